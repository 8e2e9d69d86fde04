// Storage of the local viewer: the runs survive a restart, a torn last line is skipped,
// and past the size cap the oldest runs are pruned (from the viewer and from the file).

import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import { api, ingest, sampleBatch, startCollector, tempDir } from './dev-harness.js';

describe('local viewer storage', () => {
  it('keeps the runs across a restart, upserts included', async () => {
    const dataFile = join(tempDir(), '.northstar', 'dev.ndjson');
    const first = await startCollector({ dataFile });
    const a = sampleBatch({ name: 'before-restart' });
    await ingest(first.port, a);
    await ingest(first.port, { schema_version: 2, runs: [{ ...a.runs[0]!, status: 'error', error: { type: 'E', message: 'updated' } }] });
    await first.close();

    const second = await startCollector({ dataFile });
    try {
      const { runs } = await api(second.port, '/api/runs');
      assert.deepEqual(runs.map((r: any) => [r.name, r.status]), [['before-restart', 'error']]);
      const detail = await api(second.port, `/api/runs/${a.runs[0]!.id}`);
      assert.equal(detail.batch.spans.length, 1);
      assert.equal(detail.batch.events.length, 2);
      assert.equal(detail.batch.scores.length, 1);
      // And it goes on accepting children of the stored run.
      const late = { schema_version: 2, events: [{ ...a.events[0]!, id: '00000000-0000-4000-8000-000000000001', content: 'late' }] };
      assert.equal((await ingest(second.port, late)).status, 200);
    } finally {
      await second.close();
    }
  });

  it('skips a torn last line (a crash mid-write) and keeps everything before it', async () => {
    const dataFile = join(tempDir(), 'traces.ndjson');
    const first = await startCollector({ dataFile });
    await ingest(first.port, sampleBatch({ name: 'intact' }));
    await first.close();
    appendFileSync(dataFile, '{"t":"2026-01-01T00:00:00.000Z","b":{"runs":[{"id"');
    const second = await startCollector({ dataFile });
    try {
      assert.equal(second.log.skippedLines, 1);
      await ingest(second.port, sampleBatch({ name: 'after-crash' }));
      const { runs } = await api(second.port, '/api/runs');
      assert.deepEqual(runs.map((r: any) => r.name).sort(), ['after-crash', 'intact']);
    } finally {
      await second.close();
    }
    const third = await startCollector({ dataFile });
    assert.equal((await api(third.port, '/api/runs')).runs.length, 2, 'the next append did not glue onto the torn line');
    await third.close();
  });

  it('prunes the oldest runs past the size cap, in memory and on disk, and survives the restart', async () => {
    const dataFile = join(tempDir(), '.northstar', 'dev.ndjson');
    const maxBytes = 40_000;
    const collector = await startCollector({ dataFile, maxBytes });
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `run-${String(i).padStart(2, '0')}`;
      names.push(name);
      // Later runs start later: the oldest are run-00, run-01, ...
      assert.equal((await ingest(collector.port, sampleBatch({ name, offsetMs: i * 1000, padding: 4000 }))).status, 200);
    }
    const kept = (await api(collector.port, '/api/runs')).runs.map((r: any) => r.name);
    await collector.close();
    assert.ok(kept.length > 0 && kept.length < 20, `some runs pruned, some kept (kept ${kept.length})`);
    assert.deepEqual(kept, names.slice(-kept.length).reverse(), 'the newest runs are the ones kept, newest first');
    assert.ok(statSync(dataFile).size <= maxBytes, `file ${statSync(dataFile).size} bytes within the ${maxBytes}-byte cap`);
    assert.doesNotMatch(readFileSync(dataFile, 'utf8'), /"run-00"/);
    assert.deepEqual(readdirSync(dirname(dataFile)), ['dev.ndjson'], 'nothing else is left in the data folder');

    const again = await startCollector({ dataFile, maxBytes });
    assert.deepEqual((await api(again.port, '/api/runs')).runs.map((r: any) => r.name), kept);
    await again.close();
  });
});
