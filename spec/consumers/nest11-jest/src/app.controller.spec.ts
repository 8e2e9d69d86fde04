// The default Nest setup: the app compiled to CommonJS, tested with Jest and
// @nestjs/testing, configured with NorthstarModule.forRoot.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Northstar, currentTraceId } from 'northstar-ai';

import { AppController } from './app.controller.js';
import { AppModule } from './app.module.js';

describe('AppController', () => {
  let app: INestApplication;
  let base: string;
  let closed = false;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    if (!closed) await app?.close();
  });

  it('resolves the controller and the client by type', () => {
    expect(app.get(AppController)).toBeInstanceOf(AppController);
    expect(app.get(Northstar)).toBeInstanceOf(Northstar);
  });

  it('answers over HTTP exactly as without the SDK', async () => {
    const ask = await fetch(`${base}/agent/ask?q=refunds`);
    expect(ask.status).toBe(200);
    expect(await ask.json()).toEqual({ answer: 'refunds: doc about refunds' });

    const feedback = await fetch(`${base}/agent/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating: 5 }),
    });
    expect(feedback.status).toBe(202);
    expect(await feedback.json()).toEqual({ stored: true });
    expect(currentTraceId()).toBeUndefined();
  });

  it('delivers the traces when the application closes', async () => {
    await app.close();
    closed = true;
    const stored: any = await (await fetch(process.env.COLLECTOR_STATE_URL!)).json();
    const runs = stored.runs.filter((r: any) => r.metadata?.environment === 'nest11-jest');
    const ask = runs.find((r: any) => r.name === 'nest-ask');
    expect(ask).toMatchObject({ status: 'ok' });
    const spans = stored.spans.filter((s: any) => s.run_id === ask.id).map((s: any) => `${s.kind}:${s.name}`);
    expect(spans.sort()).toEqual(['custom:compose', 'tool:search']);
    const input = stored.events.find((e: any) => e.run_id === ask.id && e.type === 'user_input');
    expect(input.content).toEqual({ question: 'refunds' });
    expect(runs.find((r: any) => r.name === 'nest-feedback')).toMatchObject({ status: 'ok' });
    expect(stored.sessions.find((s: any) => s.id === ask.session_id)?.ended_at).toBeDefined();
  });
});
