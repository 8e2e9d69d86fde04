// A real Nest 11 application (express, 127.0.0.1, real HTTP requests) whose controller
// and service carry the NorthStar decorators among Nest's own, run once with the SDK
// disabled and once enabled: the answers must be identical, and the enabled run must
// reach the protocol-enforcing ingest server with the right runs, spans and events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { NORTHSTAR_CLIENT, NorthstarModule } from '../../decorators/index.js';
import { getClient, isNorthstarError, Northstar, type NorthstarOptions, shutdown, trace } from '../../src/index.js';
import { type IngestServer, startIngestServer, summarizeRejections } from '../support/ingest-server.js';
import { AgentService } from './fixtures/agent.service.js';
import { ApiKeyGuard, FIXTURE_API_KEY } from './fixtures/api-key.guard.js';
import { ResponseHeaderInterceptor } from './fixtures/response-header.interceptor.js';
import { startApp, type StartedApp } from './fixtures/start-app.js';

/** What a client of the app can observe about one response. */
interface Observed {
  request: string;
  status: number;
  contentType: string | null;
  intercepted: string | null;
  body: string;
}

const key = { 'x-api-key': FIXTURE_API_KEY };
const json = { 'content-type': 'application/json' };

/** The request script, the same for both apps. */
const script: Array<[method: string, path: string, headers?: Record<string, string>, body?: unknown]> = [
  ['GET', '/agent/items/7?verbose=yes', key],
  ['GET', '/agent/items/7'], // no key: the guard rejects (403)
  ['GET', '/agent/items/abc', key], // ParseIntPipe rejects (400) before the handler
  ['GET', '/agent/items/404', key], // the service throws NotFoundException inside the trace
  ['POST', '/agent/ask?lang=%20fr%20', { ...key, ...json }, { question: '  where is north?  ' }],
  ['POST', '/agent/ask', json, { question: 'no key' }],
  ['POST', '/agent/ask?lang=xx', { ...key, ...json }, { question: 'anyone?' }], // rejects asynchronously
  ['POST', '/agent/feedback', { ...key, ...json }, { rating: '5', comment: 'great' }],
  ['GET', '/agent/health'],
  ['DELETE', '/agent/items/8', key],
];

async function exercise(url: string): Promise<Observed[]> {
  const observed: Observed[] = [];
  for (const [method, path, headers, body] of script) {
    const response = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    observed.push({
      request: `${method} ${path}`,
      status: response.status,
      contentType: response.headers.get('content-type'),
      intercepted: response.headers.get('x-intercepted'),
      body: await response.text(),
    });
  }
  return observed;
}

/** Guard and interceptor calls, and what DI handed the service, during one app's life. */
interface AppFacts {
  responses: Observed[];
  guardCalls: number;
  interceptorCalls: number;
  clientByToken: unknown;
  clientByType: unknown;
  installedClient: unknown;
}

async function runApp(options: NorthstarOptions): Promise<AppFacts> {
  ApiKeyGuard.calls = 0;
  ResponseHeaderInterceptor.calls = 0;
  const started: StartedApp = await startApp(options);
  try {
    const service = started.app.get(AgentService);
    return {
      responses: await exercise(started.url),
      guardCalls: ApiKeyGuard.calls,
      interceptorCalls: ResponseHeaderInterceptor.calls,
      clientByToken: service.clientByToken,
      clientByType: service.clientByType,
      installedClient: getClient(),
    };
  } finally {
    await started.app.close();
  }
}

describe('a Nest application with NorthstarModule.forRoot and decorated handlers', () => {
  let server: IngestServer;
  let disabled: AppFacts;
  let enabled: AppFacts;

  before(async () => {
    server = await startIngestServer();
    disabled = await runApp({ enabled: false });
    // With the SDK disabled nothing may be sent: checked before the enabled app runs.
    assert.equal(server.requests.length, 0);
    enabled = await runApp({ apiKey: server.apiKey, endpoint: server.url, project: 'nest-spec', flushIntervalMs: 60_000 });
  });

  after(async () => {
    await shutdown();
    await server?.close();
  });

  it('answers every request exactly as the same app with the SDK disabled', () => {
    assert.deepEqual(enabled.responses, disabled.responses);
    assert.deepEqual(
      enabled.responses.map((r) => `${r.request} ${r.status}`),
      [
        'GET /agent/items/7?verbose=yes 200',
        'GET /agent/items/7 403',
        'GET /agent/items/abc 400',
        'GET /agent/items/404 404',
        'POST /agent/ask?lang=%20fr%20 200',
        'POST /agent/ask 403',
        'POST /agent/ask?lang=xx 400',
        'POST /agent/feedback 202',
        'GET /agent/health 200',
        'DELETE /agent/items/8 204',
      ],
    );
    const [item, forbidden, , notFound, ask, , badLang, feedback] = enabled.responses.map((r) => (r.body === '' ? undefined : JSON.parse(r.body)));
    assert.deepEqual(item, { id: 7, name: 'compass', method: 'GET' });
    assert.deepEqual(forbidden, { message: 'Forbidden resource', error: 'Forbidden', statusCode: 403 });
    assert.deepEqual(notFound, { message: 'item 404 not found', error: 'Not Found', statusCode: 404 });
    // The pipe of @UsePipes trimmed the body and the query (decorator below @Trace).
    assert.deepEqual(ask, { text: 'fr: where is north? -> compass, sextant', sources: ['compass', 'sextant'], lang: 'fr' });
    assert.deepEqual(badLang, { message: 'unsupported language xx', error: 'Bad Request', statusCode: 400 });
    // ParseIntPipe turned the string into a number.
    assert.deepEqual(feedback, { received: true, rating: 5, comment: 'great' });
  });

  it('keeps guards and interceptors running', () => {
    // Nine guarded requests; the interceptor sees every request the guards let through.
    assert.equal(enabled.guardCalls, 9);
    assert.equal(enabled.interceptorCalls, 8);
    assert.equal(disabled.guardCalls, enabled.guardCalls);
    assert.equal(disabled.interceptorCalls, enabled.interceptorCalls);
    assert.deepEqual(
      enabled.responses.map((r) => r.intercepted),
      ['yes', null, 'yes', 'yes', 'yes', null, 'yes', 'yes', 'yes', 'yes'],
    );
  });

  it('resolves constructor injection by type and provides the client by token and by type', () => {
    assert.ok(enabled.clientByToken instanceof Northstar);
    assert.equal(enabled.clientByToken, enabled.installedClient);
    assert.equal(enabled.clientByType, enabled.clientByToken);
    assert.equal((enabled.clientByToken as Northstar).enabled, true);
    assert.equal((disabled.clientByToken as Northstar).enabled, false);
  });

  it('stores one run per traced handler call that the guards and pipes let through', () => {
    assert.deepEqual(summarizeRejections(server), []);
    assert.deepEqual([...server.runs.values()].map((run) => `${run.name} ${run.status}`).sort(), [
      'ask error',
      'ask ok',
      'feedback ok',
      'get-item error',
      'get-item ok',
    ]);
    // @Observe on a handler outside any trace records nothing.
    assert.equal([...server.spans.values()].some((span) => span.name === 'health' || span.name === 'remove-item'), false);
  });

  it('records the handler arguments by name, transformed by the pipes, without @Req', () => {
    const getItem = runNamed('get-item', 'ok');
    assert.deepEqual(eventOf(getItem.id, undefined, 'user_input').content, { id: 7, verbose: 'yes' });
    assert.deepEqual(eventOf(getItem.id, undefined, 'final_response').content, { id: 7, name: 'compass', method: 'GET' });

    const ask = runNamed('ask', 'ok');
    assert.deepEqual(eventOf(ask.id, undefined, 'user_input').content, { body: { question: 'where is north?' }, lang: 'fr' });
    assert.deepEqual(eventOf(ask.id, undefined, 'final_response').content, {
      text: 'fr: where is north? -> compass, sextant',
      sources: ['compass', 'sextant'],
      lang: 'fr',
    });
    assert.deepEqual(ask.metadata.tags, ['nest']);
    assert.equal(ask.metadata.project, 'nest-spec');

    const feedback = runNamed('feedback', 'ok');
    assert.deepEqual(eventOf(feedback.id, undefined, 'user_input').content, { rating: 5, comment: 'great' });
  });

  it('records the injected service calls as child spans with their parents', () => {
    const getItem = runNamed('get-item', 'ok');
    const [lookup] = spansOf(getItem.id);
    assert.equal(spansOf(getItem.id).length, 1);
    assert.equal(lookup.name, 'lookup-item');
    assert.equal(lookup.kind, 'tool');
    assert.equal(lookup.status, 'ok');
    assert.equal(lookup.parent_span_id, undefined);
    assert.deepEqual(eventOf(getItem.id, lookup.id, 'tool_arguments').content, { id: 7 });
    assert.deepEqual(eventOf(getItem.id, lookup.id, 'tool_result').content, { id: 7, name: 'compass' });

    const ask = runNamed('ask', 'ok');
    const spans = spansOf(ask.id);
    assert.deepEqual(spans.map((span) => `${span.kind} ${span.name} ${span.status}`), ['agent answerer ok', 'tool search ok']);
    const [answerer, search] = spans;
    assert.equal(answerer.parent_span_id, undefined);
    assert.equal(search.parent_span_id, answerer.id);
    assert.deepEqual(eventOf(ask.id, answerer.id, 'tool_arguments').content, { question: 'where is north?', lang: 'fr' });
    assert.deepEqual(eventOf(ask.id, search.id, 'tool_arguments').content, { query: 'where is north?' });
    assert.deepEqual(eventOf(ask.id, search.id, 'tool_result').content, ['compass', 'sextant']);
  });

  it("records the handlers' Nest exceptions as errors of their runs and spans", () => {
    const failed = runNamed('get-item', 'error');
    assert.equal(failed.error.type, 'NotFoundException');
    assert.equal(failed.error.message, 'item 404 not found');
    assert.deepEqual(eventOf(failed.id, undefined, 'user_input').content, { id: 404 });
    const [lookup] = spansOf(failed.id);
    assert.equal(lookup.status, 'error');
    assert.equal(lookup.error.type, 'NotFoundException');

    // Rejected asynchronously, two levels down: the agent span and the run fail, the tool span does not.
    const rejected = runNamed('ask', 'error');
    assert.equal(rejected.error.type, 'BadRequestException');
    assert.equal(rejected.error.message, 'unsupported language xx');
    assert.deepEqual(
      spansOf(rejected.id).map((span) => `${span.name} ${span.status} ${span.error?.type}`),
      ['answerer error BadRequestException', 'search ok undefined'],
    );
  });

  it('ends the session when the application closes', () => {
    assert.equal(server.sessions.size, 1);
    const [session] = server.sessions.values();
    assert.equal(typeof session.ended_at, 'string');
    for (const run of server.runs.values()) {
      assert.equal(run.session_id, session.id);
      assert.equal(typeof run.ended_at, 'string');
    }
  });

  function runNamed(name: string, status: string): any {
    const found = [...server.runs.values()].filter((run) => run.name === name && run.status === status);
    assert.equal(found.length, 1, `one ${status} run named ${name}`);
    return found[0];
  }

  function spansOf(runId: string): any[] {
    return [...server.spans.values()].filter((span) => span.run_id === runId);
  }

  function eventOf(runId: string, spanId: string | undefined, type: string): any {
    const found = [...server.events.values()].filter((e) => e.run_id === runId && e.span_id === spanId && e.type === type);
    assert.equal(found.length, 1, `one ${type} event on ${spanId ?? 'the run'}`);
    return found[0];
  }
});

describe('NorthstarModule', () => {
  let server: IngestServer;

  before(async () => {
    server = await startIngestServer();
  });

  after(async () => {
    await shutdown();
    await server?.close();
  });

  it('forRootAsync builds the options from injected providers; hooks of other modules are traced', async () => {
    @Injectable()
    class SettingsService {
      readonly northstar = { apiKey: server.apiKey, endpoint: server.url, project: 'async-spec' };
    }
    @Module({ providers: [SettingsService], exports: [SettingsService] })
    class SettingsModule {}
    // init() runs when providers are created, before any onModuleInit; the client shuts
    // down after every other module's onApplicationShutdown (global modules go last).
    @Injectable()
    class Worker {
      onModuleInit(): void {
        trace('worker-init', () => 'ready');
      }
      onApplicationShutdown(): void {
        trace('worker-shutdown', () => 'bye');
      }
    }
    @Module({
      imports: [
        NorthstarModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SettingsService],
          useFactory: async (settings: SettingsService) => settings.northstar,
        }),
      ],
      providers: [Worker],
    })
    class RootModule {}

    const app = await NestFactory.createApplicationContext(RootModule, { logger: false, abortOnError: false });
    const client = app.get<Northstar>(NORTHSTAR_CLIENT);
    assert.equal(client, getClient());
    assert.equal(client.enabled, true);
    assert.equal(app.get(Northstar), client);
    await app.close();

    assert.deepEqual(summarizeRejections(server), []);
    const session = server.sessions.get(client.sessionId!);
    assert.equal(typeof session?.ended_at, 'string');
    const runs = [...server.runs.values()];
    assert.deepEqual(runs.map((run) => `${run.name} ${run.status}`).sort(), ['worker-init ok', 'worker-shutdown ok']);
    for (const run of runs) {
      assert.equal(run.session_id, client.sessionId);
      assert.equal(run.metadata.project, 'async-spec');
    }
  });

  it('makes application creation fail with the config error for an invalid option', async () => {
    @Module({ imports: [NorthstarModule.forRoot({ apiKey: 'key', projectId: 'Not A Ref' })] })
    class BadModule {}
    await assert.rejects(NestFactory.createApplicationContext(BadModule, { logger: false, abortOnError: false }), (error) => {
      assert.ok(isNorthstarError(error), String(error));
      assert.match((error as Error).message, /endpoint/);
      return true;
    });
  });
});
