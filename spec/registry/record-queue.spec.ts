// The run registry: latest state wins, batches carry missing ancestors, the queue is bounded.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CapturedEventRecord } from '../../src/registry/captured-event.js';
import { createEntry, type Entry, entryJson, RecordQueue } from '../../src/registry/record-queue.js';
import type { WireRecord } from '../../src/registry/records.js';
import { type Batch, takeBatch } from '../../src/export/wire-body.js';

const NOW = '2025-01-01T00:00:00.000Z';
let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function family() {
  const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
  const run = createEntry('runs', { id: id(), session_id: session.id, name: 'r', started_at: NOW, status: 'running' }, [session], true);
  const span = createEntry('spans', { id: id(), run_id: run.id, kind: 'tool', name: 's', started_at: NOW, status: 'running' }, [run], true);
  const event = (): Entry =>
    createEntry('events', { id: id(), run_id: run.id, span_id: span.id, type: 'custom', created_at: NOW, content: null } as WireRecord, [run, span], false);
  return { session, run, span, event };
}

/** The body's text (batches carry UTF-8 bytes). */
const text = (batch: Batch): string => new TextDecoder().decode(batch.body);
const ids = (body: string, table: string): string[] => JSON.parse(body)[table].map((r: { id: string }) => r.id);

describe('RecordQueue', () => {
  it('keeps one queued copy per record, with its latest state', () => {
    const registry = new RecordQueue(100);
    const { run } = family();
    registry.enqueue(run);
    (run.record as { status: string }).status = 'ok';
    registry.enqueue(run);
    assert.equal(registry.size, 1);
    const batch = takeBatch(registry, 10, Infinity)!;
    assert.equal(JSON.parse(text(batch)).runs[0].status, 'ok');
  });

  it('puts the ancestors the server does not have into each batch, once', () => {
    const registry = new RecordQueue(100);
    const { session, run, span, event } = family();
    const e1 = event();
    const e2 = event();
    registry.enqueue(e1);
    registry.enqueue(e2);
    const batch = takeBatch(registry, 10, Infinity)!;
    assert.deepEqual(ids(text(batch), 'sessions'), [session.id]);
    assert.deepEqual(ids(text(batch), 'runs'), [run.id]);
    assert.deepEqual(ids(text(batch), 'spans'), [span.id]);
    assert.deepEqual(ids(text(batch), 'events'), [e1.id, e2.id]);
    assert.equal(JSON.parse(text(batch)).schema_version, 2);
    registry.accept(batch);
    const e3 = event();
    registry.enqueue(e3);
    const next = takeBatch(registry, 10, Infinity)!;
    assert.deepEqual(ids(text(next), 'runs'), [], 'an accepted ancestor is not sent again');
    assert.deepEqual(ids(text(next), 'events'), [e3.id]);
  });

  it('keeps a record queued when it changed while its batch was in flight', () => {
    const registry = new RecordQueue(100);
    const { run } = family();
    registry.enqueue(run);
    const batch = takeBatch(registry, 10, Infinity)!;
    (run.record as { status: string }).status = 'ok';
    registry.enqueue(run);
    registry.accept(batch);
    assert.equal(registry.isQueued(run), true, 'the newer state still has to be sent');
    assert.equal(JSON.parse(text(takeBatch(registry, 10, Infinity)!)).runs[0].status, 'ok');
  });

  it('drops new records past maxQueueSize, never an update of an open record the server holds', () => {
    const registry = new RecordQueue(3);
    const { run, span, event } = family();
    run.accepted = true;
    assert.equal(registry.enqueue(event()), true);
    assert.equal(registry.enqueue(event()), true);
    assert.equal(registry.enqueue(event()), true);
    assert.equal(registry.enqueue(event()), false);
    assert.equal(registry.enqueue(run), true, 'an update of an open run the server holds is never dropped');
    assert.equal(registry.enqueue(span), false, 'a new span is dropped like any new record, so the bound holds');
    // Since issue 10 the client counts a refused record (it may go to the spool instead of being dropped).
    const { queuedBytes, ...counts } = registry.stats();
    assert.ok(queuedBytes > 0);
    assert.deepEqual(counts, { queued: 4, accepted: 0, droppedQueueFull: 0, droppedRejected: 0, droppedUnauthorized: 0, droppedRunEvents: 0, spooled: 0, unspooled: 0 });
  });

  it('bounds the queue by the JSON bytes of its records too', () => {
    const registry = new RecordQueue(100, 600);
    const { event } = family();
    let kept = 0;
    for (let i = 0; i < 10; i++) if (registry.enqueue(event())) kept++;
    assert.ok(kept > 0 && kept < 10, `kept ${kept}`);
    assert.ok(registry.bytes <= 600);
    const batch = takeBatch(registry, 100, Infinity)!;
    registry.accept(batch);
    assert.equal(registry.bytes, 0);
  });

  it('cuts a batch at maxBytes but always takes at least one record', () => {
    const registry = new RecordQueue(100);
    const { event } = family();
    for (let i = 0; i < 5; i++) registry.enqueue(event());
    const batch = takeBatch(registry, 10, 1)!;
    assert.equal(batch.primaries.length, 1);
  });

  it('refuses everything after close (a 401), counting what it dropped', () => {
    const registry = new RecordQueue(100);
    const { event } = family();
    registry.enqueue(event());
    assert.equal(registry.close('401'), 1);
    assert.equal(registry.enqueue(event()), false);
    assert.equal(registry.size, 0);
    assert.equal(registry.stats().droppedUnauthorized, 2);
  });

  it('counts every state by the size of its JSON: events and closed records exactly, open ones by an estimate off only by escapes', () => {
    const registry = new RecordQueue(100);
    const { session, run, span } = family();
    const runRecord = run.record as { name: string; status: string; metadata?: object };
    runRecord.name = 'plain name';
    runRecord.metadata = { environment: 'test', tags: ['a', 'b'], latency: 1.5 };
    const captured = createEntry('events', new CapturedEventRecord(id(), run.id, 'tool_result', NOW, '{"a":"é\\n"}', span.id, '{"k":1}'), [run, span], false);
    const score = createEntry('scores', { id: id(), trace_id: run.id, name: 's', value: 1, data_type: 'numeric', source: 'api', created_at: NOW }, [run], false);
    for (const entry of [session, run, span, captured, score]) registry.enqueue(entry);
    const exact = [session, run, span, captured, score].map((entry) => JSON.stringify(entry.record).length);
    assert.equal(registry.bytes, exact.reduce((a, b) => a + b, 0), 'estimate exact for records without escapes');

    // An open record's estimate leaves out the escapes of its top-level strings; it is written only for a body.
    runRecord.name = 'quote " and \\ backslash';
    registry.enqueue(run);
    assert.equal(run.json, undefined, 'an open record is not written to be counted');
    const escapes = JSON.stringify(runRecord.name).length - runRecord.name.length - 2;
    assert.equal(registry.bytes, exact.reduce((a, b) => a + b, 0) - exact[1]! + JSON.stringify(run.record).length - escapes);

    // A closed record is written when counted and the JSON is kept for the body.
    runRecord.status = 'ok';
    run.live = false;
    registry.enqueue(run);
    assert.equal(run.json, JSON.stringify(run.record));
    const batch = takeBatch(registry, 10, Infinity)!;
    assert.equal(JSON.parse(text(batch)).runs[0].status, 'ok');
    registry.accept(batch);
    assert.equal(registry.bytes, 0);
    assert.equal(run.json, undefined, 'the JSON is let go once the server has the record');
  });
});

describe('CapturedEventRecord', () => {
  const run = id();
  const span = id();

  it('writes the JSON JSON.stringify would, around its content text, and counts it without writing it', () => {
    for (const [spanId, attributes] of [[undefined, undefined], [span, undefined], [span, '{"name":"x","tool_call_id":"c"}'], [undefined, '{}']] as const) {
      const record = new CapturedEventRecord(id(), run, 'tool_arguments', NOW, '{"q":"a \\"b\\"","n":[1,null]}', spanId, attributes);
      const entry = createEntry('events', record, [], false);
      assert.equal(entryJson(entry), JSON.stringify(record));
      assert.equal(record.wireLength(), record.wireJson().length);
      assert.deepEqual(JSON.parse(record.wireJson()), JSON.parse(JSON.stringify(record.toJSON())));
    }
  });

  it('parses its content on first read, keeps it, and reads a replaced content afresh', () => {
    const record = new CapturedEventRecord(id(), run, 'tool_result', NOW, '{"docs":[1,2]}', span, '{"k":"v"}');
    const first = record.content as { docs: number[] };
    assert.deepEqual(first, { docs: [1, 2] });
    assert.equal(record.content, first, 'parsed once');
    assert.deepEqual(record.attributes, { k: 'v' });
    record.setContentJson('"second"');
    assert.equal(record.content, 'second');
    assert.equal(record.contentJson, '"second"');
    assert.equal(JSON.parse(record.wireJson()).content, 'second');
    assert.equal(new CapturedEventRecord(id(), run, 'custom', NOW, 'null', undefined, undefined).content, null);
  });

  it('is its own queue entry, with its stamp kept in parts, and queues, sends and settles like any entry', () => {
    const registry = new RecordQueue(100);
    const { session, run: runEntry, span: spanEntry } = family();
    const event = new CapturedEventRecord(id(), runEntry.id, 'tool_result', '2026-12-01T08:51:04.123', '{"a":1}', spanEntry.id, undefined, [runEntry, spanEntry], 7);
    assert.equal(event.record, event);
    assert.equal(event.created_at, '2026-12-01T08:51:04.123007Z');
    assert.equal(JSON.parse(event.wireJson()).created_at, event.created_at);
    assert.equal(event.wireLength(), event.wireJson().length);
    for (const entry of [session, runEntry, spanEntry, event]) registry.enqueue(entry);
    const batch = takeBatch(registry, 10, Infinity)!;
    const body = JSON.parse(text(batch));
    assert.deepEqual(body.events, [JSON.parse(JSON.stringify(event))]);
    registry.accept(batch);
    assert.equal(event.accepted, true);
    assert.equal(registry.size, 0);
  });
});
