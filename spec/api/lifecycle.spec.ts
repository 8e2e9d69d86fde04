// init / flush / shutdown / stats: sessions, disabled mode, re-init, a server that is down.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import {
  currentTraceId,
  flush,
  getClient,
  init,
  logEvent,
  logMetadata,
  logMetric,
  type NorthstarDiagnostic,
  observe,
  score,
  shutdown,
  span,
  stats,
  trace,
} from '../../src/index.js';
import { startIngestServer } from '../support/ingest-server.js';
import { assertNoRejections, createHarness, delay, eventsOf, type Harness, only, runNamed } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

describe('sessions', () => {
  it('shares one session across the traces of one init, and sends ended_at at shutdown', async () => {
    h.start();
    trace('one', () => 1);
    await flush();
    trace('two', () => 2);
    await trace('three', async () => 3);
    assert.equal(await flush(), true);
    const session = only(h.server.sessions.values(), 'session');
    assert.equal(session.ended_at, undefined, 'the session is open until shutdown');
    for (const name of ['one', 'two', 'three']) assert.equal(runNamed(h.server, name).session_id, session.id);
    assert.equal(getClient()?.sessionId, session.id);

    assert.equal(await shutdown(), true);
    assertNoRejections(h.server);
    const ended = h.server.sessions.get(session.id);
    assert.match(ended.ended_at, /Z$/);
    assert.ok(ended.ended_at >= ended.created_at);
    assert.equal(await shutdown(), true, 'shutdown is idempotent');
  });

  it('starts a new session with the next init', async () => {
    h.start();
    trace('before', () => 1);
    await flush();
    h.start();
    trace('after', () => 2);
    await flush();
    await shutdown();
    assertNoRejections(h.server);
    const [first, second] = [...h.server.sessions.values()];
    assert.equal(h.server.sessions.size, 2);
    assert.equal(runNamed(h.server, 'before').session_id, first.id);
    assert.equal(runNamed(h.server, 'after').session_id, second.id);
    assert.ok(first.ended_at, 'the first session was ended by the second init');
    assert.ok(second.ended_at);
  });

  it('sends nothing for a session that traced nothing', async () => {
    h.start();
    assert.equal(await shutdown(), true);
    assert.equal(h.server.requests.length, 0);
  });
});

describe('disabled mode', () => {
  const exercise = async (flushed = true): Promise<void> => {
    const self = { tag: 'self' };
    const p = Promise.resolve('v');
    const wrapped = trace(function wrapped(this: unknown, x: number) {
      return { self: this, x };
    });
    assert.deepEqual(wrapped.call(self, 1), { self, x: 1 });
    assert.equal(trace(() => p)(), p);
    assert.equal(observe(() => p)(), p);
    const scoped = trace('scoped', (t) => {
      t.logEvent('e', {});
      t.logMetric('m', 1);
      t.setOutput('x');
      assert.equal(currentTraceId(), undefined);
      return span('s', () => 'inner');
    });
    assert.equal(scoped, 'inner');
    logEvent('e');
    logMetric('m', 1);
    logMetadata({ a: 1 });
    score('6f1c2a4e-8b1d-4c55-9a7e-2f0d3c4b5a69', 'q', 1);
    // Tracing asked for but not startable (a key without endpoint, or the reverse): flush says false.
    assert.equal(await flush(), flushed);
    assert.equal(await shutdown(), flushed);
    assert.equal(stats().enabled, false);
    assert.equal(stats().queued, 0);
  };

  it('sends nothing without an API key', async () => {
    init({ endpoint: h.server.url });
    assert.equal(getClient()?.enabled, false);
    await exercise(false);
    assert.equal(h.server.requests.length, 0);
  });

  it('sends nothing without a projectId or endpoint', async () => {
    init({ apiKey: h.server.apiKey });
    assert.equal(getClient()?.enabled, false);
    await exercise(false);
    assert.equal(h.server.requests.length, 0);
  });

  it('sends nothing with enabled: false', async () => {
    init({ apiKey: h.server.apiKey, endpoint: h.server.url, enabled: false });
    await exercise();
    assert.equal(h.server.requests.length, 0);
  });

  it('sends nothing with NORTHSTAR_ENABLED=0, even with a key and endpoint in the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { NORTHSTAR_ENABLED: '0', NORTHSTAR_API_KEY: h.server.apiKey, NORTHSTAR_ENDPOINT: h.server.url });
    try {
      init();
      assert.equal(getClient()?.enabled, false);
      await exercise();
    } finally {
      for (const key of ['NORTHSTAR_ENABLED', 'NORTHSTAR_API_KEY', 'NORTHSTAR_ENDPOINT']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    assert.equal(h.server.requests.length, 0);
  });

  it('is enabled by the environment alone', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { NORTHSTAR_API_KEY: h.server.apiKey, NORTHSTAR_ENDPOINT: `${h.server.url}/`, NORTHSTAR_PROJECT: 'from-env' });
    try {
      init({ flushIntervalMs: 60_000 });
    } finally {
      for (const key of ['NORTHSTAR_API_KEY', 'NORTHSTAR_ENDPOINT', 'NORTHSTAR_PROJECT']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    trace('env-run', () => 1);
    assert.equal(await flush(), true);
    assert.equal(runNamed(h.server, 'env-run').metadata.project, 'from-env');
  });
});

describe('re-init during an open trace', () => {
  it('finishes the open trace on the first client and server; new traces go to the second', async () => {
    const second = await startIngestServer();
    try {
      h.start();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const open = trace('long-running', async (t) => {
        await gate;
        await span('late-span', async () => {
          t.logEvent('late');
        });
        return 'done';
      });
      // The first client's open run is already known to its server.
      assert.equal(await flush(), true);
      init({ apiKey: second.apiKey, endpoint: second.url, flushIntervalMs: 60_000 });
      trace('on-second', () => 1);
      release();
      assert.equal(await open, 'done');
      // The old client delivers by itself once its last run has ended.
      await h.server.waitFor((s) => [...s.runs.values()].some((r) => r.name === 'long-running' && r.status === 'ok'));
      assert.equal(await flush(), true);
      assertNoRejections(h.server);
      assertNoRejections(second);

      const run = runNamed(h.server, 'long-running');
      assert.equal(run.status, 'ok');
      assert.equal(only(h.server.spans.values()).name, 'late-span');
      assert.deepEqual(eventsOf(h.server, run.id).map((e) => e.type), ['custom', 'final_response']);
      assert.ok(only(h.server.sessions.values()).ended_at);
      assert.deepEqual([...second.runs.values()].map((r) => r.name), ['on-second']);
      assert.equal(second.spans.size, 0);
      assert.notEqual(only(second.sessions.values()).id, run.session_id);
    } finally {
      await shutdown();
      await second.close();
    }
  });
});

describe('a server that is down', () => {
  it('resolves flush() to false and throws nothing', async () => {
    const gone = await startIngestServer();
    const url = gone.url;
    await gone.close();
    const diagnostics: NorthstarDiagnostic[] = [];
    init({ apiKey: 'k', endpoint: url, flushIntervalMs: 60_000, onError: (d) => diagnostics.push(d) });
    const result = trace(function works(x: number) {
      return x + 1;
    })(1);
    assert.equal(result, 2);
    // Since issue 10 flush() without a limit keeps retrying for flushTimeoutMs (30 s): give it a short one.
    assert.equal(await flush({ timeoutMs: 300 }), false);
    assert.equal(await flush({ timeoutMs: 1000 }), false);
    assert.ok(stats().queued > 0, 'records are kept for a later attempt');
    assert.ok(diagnostics.some((d) => d.kind === 'delivery'));
    assert.ok(diagnostics.every((d) => !d.message.includes('Bearer k')));
    assert.equal(await shutdown({ timeoutMs: 1000 }), false);
  });

  it('gives up waiting after flush({ timeoutMs }) when the server hangs', async () => {
    h.start({ requestTimeoutMs: 200 });
    h.server.faults.hangNext(1);
    trace('hung', () => 1);
    assert.equal(await flush({ timeoutMs: 50 }), false);
    h.server.faults.clear();
    await delay(0);
  });

  it('takes flush({ timeout }) as the same limit in milliseconds', async () => {
    h.start({ requestTimeoutMs: 60_000 });
    h.server.faults.hangNext(1);
    trace('hung', () => 1);
    // Without the limit this flush would wait a minute for the request to time out.
    assert.equal(await flush({ timeout: 50 }), false);
    h.server.faults.clear();
  });
});

describe('stats', () => {
  it('counts queued and accepted records', async () => {
    h.start();
    assert.deepEqual(stats(), {
      enabled: true,
      queued: 0,
      queuedBytes: 0,
      accepted: 0,
      droppedQueueFull: 0,
      droppedRejected: 0,
      droppedUnauthorized: 0,
      droppedRunEvents: 0,
      spooled: 0,
      unspooled: 0,
      sampledOut: 0,
    });
    trace('counted', (t) => t.logEvent('e'));
    const queued = stats().queued;
    assert.ok(queued >= 2, `run and event queued, got ${queued}`);
    assert.equal(await flush(), true);
    const after = stats();
    assert.equal(after.queued, 0);
    assert.ok(after.accepted >= queued);
  });
});
