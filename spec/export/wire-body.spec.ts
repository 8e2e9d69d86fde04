// The wire body: encoded from each record's own JSON, it is the UTF-8 of the text JSON.stringify of the whole body gives.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type Batch, buildBatch, takeBatch, takeBody } from '../../src/export/wire-body.js';
import { CapturedEventRecord } from '../../src/registry/captured-event.js';
import { createEntry, RecordQueue } from '../../src/registry/record-queue.js';
import type { RunRecord, WireRecord } from '../../src/registry/records.js';

const NOW = '2025-01-01T00:00:00.000Z';
let n = 0;
/** The body's text (batches carry UTF-8 bytes). */
const text = (batch: Batch): string => new TextDecoder().decode(batch.body);
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

describe('wire body', () => {
  it('is the same text as JSON.stringify of the body, ancestors included', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const run = createEntry('runs', { id: id(), session_id: session.id, name: 'r "quoted"', started_at: NOW, status: 'running' }, [session], true);
    const event = createEntry('events', { id: id(), run_id: run.id, type: 'custom', created_at: NOW, content: { text: 'é\u2028' } } as WireRecord, [run], false);
    const queue = new RecordQueue(100);
    queue.enqueue(event);
    const batch = takeBatch(queue, 10, Infinity)!;
    const expected = JSON.stringify({
      schema_version: 2,
      sessions: [session.record],
      runs: [run.record],
      spans: [],
      events: [event.record],
      scores: [],
      prompt_links: [],
    });
    assert.equal(text(batch), expected);
    assert.equal(batch.length, Buffer.byteLength(expected));
    assert.deepEqual([...batch.sent.keys()], [session, run, event]);
  });

  it('writes captured events in pieces around their content: the same text, with and without span and attributes', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const run = createEntry('runs', { id: id(), session_id: session.id, name: 'r', started_at: NOW, status: 'ok' }, [session], false);
    const span = createEntry('spans', { id: id(), run_id: run.id, kind: 'tool', name: 's', started_at: NOW, status: 'ok' }, [run], false);
    const events = [
      new CapturedEventRecord(id(), run.id, 'user_input', NOW, '{"q":"é \\"x\\""}', undefined, undefined, [run]),
      new CapturedEventRecord(id(), run.id, 'tool_arguments', NOW, '[1,2]', span.id, undefined, [run, span]),
      new CapturedEventRecord(id(), run.id, 'custom', NOW, '{"name":"n","data":null}', undefined, '{"northstar_type":"event"}', [run]),
      new CapturedEventRecord(id(), run.id, 'tool_result', NOW, 'null', span.id, '{"tool_call_id":"c"}', [run, span]),
    ];
    const batch = buildBatch(events);
    const expected = JSON.stringify({ schema_version: 2, sessions: [session.record], runs: [run.record], spans: [span.record], events, scores: [], prompt_links: [] });
    assert.equal(text(batch), expected);
    for (const event of events) assert.equal(JSON.stringify(event), event.wireJson());
    assert.equal(batch.length, Buffer.byteLength(expected));
  });

  it('is the same text for a large body of runs alone, and for one with a long non-captured record', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const runs = Array.from({ length: 400 }, (_, i) => createEntry('runs', { id: id(), session_id: session.id, name: `run ${i}`, started_at: NOW, status: 'ok' }, [session], false));
    const long = createEntry('events', { id: id(), run_id: runs[0]!.id, type: 'custom', created_at: NOW, content: { text: 'x'.repeat(40_000) } } as WireRecord, [runs[0]!], false);
    for (const records of [runs, [...runs, long]]) {
      const batch = buildBatch(records);
      const expected = JSON.stringify({ schema_version: 2, sessions: [session.record], runs: runs.map((r) => r.record), spans: [], events: records.length > runs.length ? [long.record] : [], scores: [], prompt_links: [] });
      assert.equal(text(batch), expected);
      assert.equal(batch.length, Buffer.byteLength(expected));
    }
  });

  it('sends the latest state of an open record changed in place after it was queued', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const run = createEntry('runs', { id: id(), session_id: session.id, name: 'r', started_at: NOW, status: 'running' }, [session], true);
    const queue = new RecordQueue(100);
    queue.enqueue(run);
    (run.record as RunRecord).status = 'ok';
    queue.enqueue(run);
    const body = JSON.parse(text(buildBatch([run]))) as { runs: RunRecord[] };
    assert.equal(body.runs[0]!.status, 'ok');
  });

  it('is the UTF-8 of that text when most of it is not ASCII (the body outgrows its first buffer)', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const run = createEntry('runs', { id: id(), session_id: session.id, name: '运行 🚀', started_at: NOW, status: 'running' }, [session], true);
    const events = Array.from({ length: 20 }, (_, i) =>
      createEntry('events', { id: id(), run_id: run.id, type: 'custom', created_at: NOW, content: { text: `${i} 漢字かな 🙂`.repeat(300) } } as WireRecord, [run], false),
    );
    const batch = buildBatch(events);
    const expected = JSON.stringify({ schema_version: 2, sessions: [session.record], runs: [run.record], spans: [], events: events.map((e) => e.record), scores: [], prompt_links: [] });
    assert.equal(text(batch), expected);
    assert.equal(batch.length, Buffer.byteLength(expected));
    assert.ok(batch.length > expected.length * 1.5, 'mostly 3- and 4-byte characters: more bytes than the first buffer holds');
  });

  it('keeps a body under maxBytes counted in bytes, not characters', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const run = createEntry('runs', { id: id(), session_id: session.id, name: 'r', started_at: NOW, status: 'running' }, [session], true);
    const events = Array.from({ length: 10 }, () =>
      createEntry('events', { id: id(), run_id: run.id, type: 'custom', created_at: NOW, content: '漢'.repeat(1_000) } as WireRecord, [run], false),
    );
    // Ten events of 1,000 characters fit 12,000 characters, not 12,000 bytes (3 bytes each).
    const batch = buildBatch(events, 12_000);
    assert.ok(batch.length <= 12_000, `${batch.length} bytes`);
    assert.ok(batch.primaries.length >= 2 && batch.primaries.length < 10, `${batch.primaries.length} records`);
    assert.equal(batch.length, Buffer.byteLength(text(batch)));
    assert.deepEqual(JSON.parse(text(batch)).events.length, batch.primaries.length);
  });

  it('hands its body over once: the batch keeps only the length', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const batch = buildBatch([session]);
    const length = batch.length;
    const body = takeBody(batch);
    assert.equal(JSON.parse(new TextDecoder().decode(body)).sessions[0].id, session.id);
    assert.equal(body.byteLength, length);
    assert.equal(batch.body.byteLength, 0);
    assert.equal(batch.length, length);
  });
});
