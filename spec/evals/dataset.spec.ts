import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { fixture } from './fixture-path.js';
import { Dataset, NorthstarDatasetError } from '../../src/evals/index.js';

const temp = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ns-dataset-')), name);
  writeFileSync(path, text);
  return path;
};

describe('Dataset', () => {
  it('reads the Python SDK case format from JSONL, skipping blank and # lines', () => {
    const dataset = Dataset.fromPath(fixture('support.jsonl'));
    assert.equal(dataset.name, 'support');
    assert.deepEqual(dataset.cases.map((c) => c.id), ['refund-ok', 'refund-bad', 'chit-chat']);
    const ok = dataset.cases[0]!;
    assert.deepEqual(ok.expected.forbidden_tools, ['delete_account'], 'a single string is a list of one');
    assert.equal(ok.metrics.latency_ms, 840);
    assert.deepEqual(ok.metadata, { channel: 'chat' });
    assert.deepEqual(dataset.cases[2]!.expected, {});
  });

  it('reads a JSON case, a JSON list and { cases: [...] }', () => {
    const one = { id: 'a', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal(Dataset.fromPath(temp('one.json', JSON.stringify(one))).size, 1);
    assert.equal(Dataset.fromPath(temp('list.json', JSON.stringify([one, { ...one, id: 'b' }]))).size, 2);
    assert.equal(Dataset.fromPath(temp('wrapped.json', JSON.stringify({ cases: [one] }))).size, 1);
    assert.equal(Dataset.fromRecords([{ id: 'x', input: 'q' }]).cases[0]!.messages.length, 0);
  });

  it('names the line and the field of an invalid record', () => {
    const path = temp('bad.jsonl', '{"id": "a", "messages": []}\n\n{"id": "b", "messages": [], "expected": {"max_tool_calls": -1}}\n');
    assert.throws(() => Dataset.fromPath(path), (e: unknown) => e instanceof NorthstarDatasetError && /bad line 3: expected\.max_tool_calls must be a non-negative integer/.test(e.message));
    assert.throws(() => Dataset.fromText('{"id": "a"}\n{not json'), /line 2: not valid JSON/);
    assert.throws(() => Dataset.fromRecords([{ id: 'a', expected: { contain: ['x'] } } as never]), /case 1: expected\.contain is not an expectation/);
    assert.throws(() => Dataset.fromRecords([{ id: '' }]), /case 1: id must be a non-empty string/);
    assert.throws(() => Dataset.fromRecords([{ id: 'a', messages: [{ content: 'x' }] } as never]), /messages\[0\]\.role must be a string/);
    assert.throws(() => Dataset.fromRecords([{ id: 'a', expected: { trace: { min_retrieval_recall: 2 } } }]), /expected\.trace\.min_retrieval_recall must be a number from 0 to 1/);
    assert.throws(() => Dataset.fromRecords([{ id: 'a' }, { id: 'a' }]), /"a" appears twice/);
  });
});
