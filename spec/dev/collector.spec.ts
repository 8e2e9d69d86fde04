// The local collector speaks the ingest contract (PROTOCOL.md): the batches the hosted
// server refuses are refused here with the same status and a reason, listed for the
// viewer; upserts replace what PROTOCOL says; the SDK's dev switch delivers to it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Northstar } from '../../src/index.js';
import { api, ingest, raw, sampleBatch, startCollector } from './dev-harness.js';

type Collector = Awaited<ReturnType<typeof startCollector>>;

describe('local collector: the ingest contract', () => {
  let collector: Collector;
  before(async () => {
    collector = await startCollector();
  });
  after(() => collector.close());

  it('accepts a valid batch with {"accepted": true} and lists the run with its totals', async () => {
    const batch = sampleBatch({ name: 'valid-run' });
    const response = await ingest(collector.port, batch);
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { accepted: true });
    const { runs } = await api(collector.port, '/api/runs');
    const run = runs.find((r: any) => r.id === batch.runs[0]!.id);
    assert.equal(run.name, 'valid-run');
    assert.equal(run.input_tokens, 10);
    assert.equal(run.output_tokens, 5);
    assert.equal(run.cost_usd, 0.001);
    assert.equal(run.duration_ms, 50);
    assert.deepEqual(run.tags, ['sample']);
  });

  const refused: Array<[string, (b: ReturnType<typeof sampleBatch>) => unknown, RegExp]> = [
    ['a run without its required name', (b) => { delete (b.runs[0] as any).name; return b; }, /missing required field "name"/],
    ['an empty run name', (b) => { b.runs[0]!.name = ''; return b; }, /"name" must be a non-empty string/],
    ['an unknown key on a span', (b) => { (b.spans[0] as any).project_id = 'p'; return b; }, /unknown key "project_id"/],
    ['an unknown top-level key', (b) => ({ ...b, project_id: 'p' }), /body has unknown key "project_id"/],
    ['a bad span kind', (b) => { b.spans[0]!.kind = 'llm'; return b; }, /"kind" must be one of agent \| workflow/],
    ['a bad event type', (b) => { b.events[0]!.type = 'message'; return b; }, /"type" must be one of/],
    ['a bad status', (b) => { b.runs[0]!.status = 'done'; return b; }, /"status" must be one of running \| ok \| error/],
    ['a null optional field', (b) => { (b.runs[0] as any).ended_at = null; return b; }, /omit an absent field/],
    ['an event without content', (b) => { delete (b.events[0] as any).content; return b; }, /missing required field "content"/],
    ['a timestamp without offset', (b) => { b.runs[0]!.started_at = '2026-01-01T00:00:00'; return b; }, /ISO 8601/],
    ['a non-UUID id', (b) => { (b.spans[0] as any).id = 'span-1'; return b; }, /must be a UUID/],
    ['a wrong schema_version', (b) => ({ ...b, schema_version: 1 }), /schema_version/],
    ['a categorical score without string_value', (b) => { Object.assign(b.scores[0]!, { data_type: 'categorical', value: 0 }); return b; }, /string_value/],
    ['an error object with extra keys', (b) => { Object.assign(b.runs[0]!, { status: 'error', error: { type: 'E', message: 'm', stack: 's' } }); return b; }, /unknown key "stack"/],
    ['a span whose run is neither in the batch nor stored', (b) => ({ ...b, runs: [], sessions: [] }), /Payload contains invalid project references/],
    ['an event whose span is unknown', (b) => { b.events[0]!.span_id = randomUUID(); return b; }, /Payload contains invalid project references/],
    ['a run whose session is unknown', (b) => ({ ...b, sessions: [] }), /Payload contains invalid project references/],
    ['a score for an unknown run', (b) => { b.scores[0]!.trace_id = randomUUID(); return b; }, /Payload contains invalid project references/],
    ['a prompt link to an unknown span', (b) => ({ ...b, prompt_links: [{ trace_id: b.runs[0]!.id, span_id: randomUUID(), prompt_version_id: randomUUID() }] }), /Payload contains invalid project references/],
    ['more than 500 scores', (b) => ({ ...b, scores: Array.from({ length: 501 }, () => ({ ...b.scores[0]!, id: randomUUID() })) }), /at most 500/],
  ];
  for (const [what, breakIt, reason] of refused) {
    it(`refuses ${what} with 400 and the reason, stores nothing and lists the rejection`, async () => {
      const batch = sampleBatch();
      const before = (await api(collector.port, '/api/runs')).runs.length;
      const response = await ingest(collector.port, breakIt(batch));
      assert.equal(response.status, 400, response.text);
      assert.match(response.json.error, reason);
      assert.equal((await api(collector.port, '/api/runs')).runs.length, before, 'nothing of a refused batch is stored');
      const { rejected } = await api(collector.port, '/api/rejected');
      assert.equal(rejected[0].status, 400);
      assert.match(rejected[0].error, reason);
    });
  }

  it('answers 500 like the database for a NUL character, and 400 for a body that is not JSON', async () => {
    const batch = sampleBatch();
    batch.events[0]!.content = 'a\u0000b';
    const nul = await ingest(collector.port, batch);
    assert.equal(nul.status, 500);
    assert.match(nul.json.error, /U\+0000/);
    const notJson = await raw(collector.port, { method: 'POST', path: '/functions/v1/ingest-traces', headers: { host: 'localhost', 'content-type': 'application/json' }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error, 'Invalid JSON body');
  });

  it('answers 405 for a GET on the ingest path', async () => {
    const response = await raw(collector.port, { path: '/functions/v1/ingest-traces', headers: { host: 'localhost' } });
    assert.equal(response.status, 405);
  });

  it('applies upserts: a re-sent run replaces status, ended_at and metadata; name and kind stay', async () => {
    const batch = sampleBatch({ name: 'upsert-run' });
    const run = batch.runs[0]!;
    const span = batch.spans[0]!;
    assert.equal((await ingest(collector.port, { ...batch, runs: [{ ...run, status: 'running', ended_at: undefined }] })).status, 200);
    const update = {
      schema_version: 2,
      runs: [{ id: run.id, session_id: run.session_id, name: 'renamed', started_at: run.started_at, status: 'error', error: { type: 'Boom', message: 'late' } }],
      spans: [{ ...span, name: 'other-name', kind: 'tool', status: 'error' }],
      events: [{ ...batch.events[1]!, content: 'replaced' }],
    };
    assert.equal((await ingest(collector.port, update)).status, 200);
    const detail = await api(collector.port, `/api/runs/${run.id}`);
    const storedRun = detail.batch.runs[0];
    assert.equal(storedRun.status, 'error');
    assert.equal(storedRun.name, 'upsert-run', 'name is fixed at first insert');
    assert.equal('ended_at' in storedRun, false, 'a replaced field left out is cleared');
    assert.equal('metadata' in storedRun, false);
    assert.deepEqual(storedRun.error, { type: 'Boom', message: 'late' });
    const storedSpan = detail.batch.spans[0];
    assert.equal(storedSpan.name, 'llm');
    assert.equal(storedSpan.kind, 'model');
    assert.equal(storedSpan.status, 'error');
    assert.equal(detail.batch.events.length, 2, 'an event sent twice is one event');
    assert.equal(detail.batch.events.find((e: any) => e.id === batch.events[1]!.id).content, 'replaced');
    assert.equal(detail.summary.status, 'error');
  });

  it('accepts prompt links, one per (span, prompt version), and refuses a link whose trace_id is not the span\'s run (500)', async () => {
    const batch = sampleBatch();
    const link = { trace_id: batch.runs[0]!.id, span_id: batch.spans[0]!.id, prompt_version_id: randomUUID(), variable_values: { a: '1' } };
    assert.equal((await ingest(collector.port, { ...batch, prompt_links: [link] })).status, 200);
    assert.equal((await ingest(collector.port, { schema_version: 2, prompt_links: [{ ...link, variable_values: { a: '2' } }] })).status, 200);
    const detail = await api(collector.port, `/api/runs/${batch.runs[0]!.id}`);
    assert.deepEqual(detail.batch.prompt_links.map((l: any) => l.variable_values), [{ a: '2' }]);
    const other = sampleBatch();
    assert.equal((await ingest(collector.port, other)).status, 200);
    const wrong = await ingest(collector.port, { schema_version: 2, prompt_links: [{ ...link, trace_id: other.runs[0]!.id }] });
    assert.equal(wrong.status, 500);
  });

  it('never asks for an API key (no 401) and sends no CORS headers', async () => {
    const response = await raw(collector.port, {
      method: 'POST', path: '/functions/v1/ingest-traces', headers: { host: 'localhost', 'content-type': 'application/json' }, body: JSON.stringify(sampleBatch()),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  });

  it('imports an exported run, refusing an invalid file with the reason', async () => {
    const batch = sampleBatch({ name: 'to-export' });
    await ingest(collector.port, batch);
    const exported = await raw(collector.port, { path: `/api/runs/${batch.runs[0]!.id}/export`, headers: { host: 'localhost' } });
    assert.match(String(exported.headers['content-disposition']), /attachment; filename="to-export-[0-9a-f]{8}\.json"/);
    assert.equal(exported.json.northstar_export, 1);
    assert.equal(exported.json.batch.schema_version, 2);
    assert.equal(exported.json.batch.runs[0].id, batch.runs[0]!.id);
    // Into a second collector, as another developer would.
    const other = await startCollector();
    try {
      const imported = await raw(other.port, { method: 'POST', path: '/api/import', headers: { host: 'localhost', 'content-type': 'application/json' }, body: exported.text });
      assert.equal(imported.status, 200, imported.text);
      assert.deepEqual(imported.json.runs, [batch.runs[0]!.id]);
      const detail = await api(other.port, `/api/runs/${batch.runs[0]!.id}`);
      assert.equal(detail.batch.events.length, 2);
      const bad = await raw(other.port, { method: 'POST', path: '/api/import', headers: { host: 'localhost' }, body: JSON.stringify({ batch: { schema_version: 2, runs: [{ id: 'x' }] } }) });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error, /UUID/);
    } finally {
      await other.close();
    }
  });
});

describe('the SDK dev switch', () => {
  it('delivers to the local collector with dev: true and no API key or project', async () => {
    const collector = await startCollector();
    try {
      const ns = new Northstar({ dev: true, devPort: collector.port, project: 'switch-test' });
      assert.equal(ns.enabled, true);
      const run = ns.startRun('dev-switch-run', { tags: ['dev'] });
      const span = run.startModelSpan('chat', { model: 'gpt-4o-mini' });
      span.end();
      run.end();
      assert.equal(await ns.shutdown(), true);
      const { runs } = await api(collector.port, '/api/runs');
      assert.deepEqual(runs.map((r: any) => r.name), ['dev-switch-run']);
      const { rejected } = await api(collector.port, '/api/rejected');
      assert.deepEqual(rejected, [], 'the SDK sends nothing the contract refuses');
    } finally {
      await collector.close();
    }
  });

  it('says once in the debug log that it sends to the local viewer', async () => {
    const collector = await startCollector();
    const lines: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => void lines.push(args.join(' '));
    try {
      const ns = new Northstar({ dev: true, devPort: collector.port, debug: true });
      ns.startRun('logged').end();
      assert.equal(await ns.shutdown(), true);
    } finally {
      console.warn = original;
      await collector.close();
    }
    const notices = lines.filter((l) => l.includes('dev mode'));
    assert.equal(notices.length, 1, lines.join('\n'));
    assert.match(notices[0]!, new RegExp(`local viewer at http://127\\.0\\.0\\.1:${collector.port}/functions/v1/ingest-traces; no API key or project needed`));
  });

  it('with no viewer running behaves like an unreachable server: no throw, flush resolves false', async () => {
    const probe = await startCollector();
    const port = probe.port;
    await probe.close(); // a port that was free a moment ago, now closed
    const problems: string[] = [];
    const ns = new Northstar({ dev: true, devPort: port, onError: (d) => problems.push(d.kind) });
    const run = ns.startRun('nobody-listens');
    run.end();
    assert.equal(await ns.shutdown({ timeoutMs: 1500 }), false);
    assert.ok(problems.length > 0, 'the failure is reported, not thrown');
  });
});
