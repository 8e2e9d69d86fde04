// The wire body: joined from each record's own JSON, it is the text JSON.stringify of the whole body gives.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildBatch, takeBatch } from '../../src/export/wire-body.js';
import { createEntry, RecordQueue } from '../../src/registry/record-queue.js';
import type { RunRecord, WireRecord } from '../../src/registry/records.js';

const NOW = '2025-01-01T00:00:00.000Z';
let n = 0;
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
    assert.equal(batch.body, expected);
    assert.deepEqual([...batch.sent.keys()], [session, run, event]);
  });

  it('sends the latest state of an open record changed in place after it was queued', () => {
    const session = createEntry('sessions', { id: id(), created_at: NOW }, [], true);
    const run = createEntry('runs', { id: id(), session_id: session.id, name: 'r', started_at: NOW, status: 'running' }, [session], true);
    const queue = new RecordQueue(100);
    queue.enqueue(run);
    (run.record as RunRecord).status = 'ok';
    queue.enqueue(run);
    const body = JSON.parse(buildBatch([run]).body) as { runs: RunRecord[] };
    assert.equal(body.runs[0]!.status, 'ok');
  });
});
