// Runs, spans and sessions are written field by field: the text must be JSON.stringify of
// the record (the same keys and values; the order of the SDK's own records kept).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { recordJson, recordLength } from '../../src/registry/record-json.js';

const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u2028', 'é', '🙂', '\ud800'), fc.string({ maxLength: 1 })), maxLength: 12 });
const flat = fc.dictionary(text, fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(undefined)), { maxKeys: 4 });
const nested = fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const object = fc.oneof(flat, nested);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

describe('recordJson', () => {
  it('writes what JSON.stringify does for runs, spans and sessions', () => {
    fc.assert(
      fc.property(
        fc.record({ id: text, session_id: text, name: text, started_at: text, status: fc.constantFrom('running', 'ok', 'error') }),
        fc.record({ metadata: optional(object), ended_at: optional(text), error: optional(fc.record({ type: text, message: text })) }),
        (head, tail) => {
          const run = { ...head, ...tail };
          assert.deepEqual(JSON.parse(recordJson('runs', run as never)!), JSON.parse(JSON.stringify(run)));
          // The SDK's own order (created with metadata, ended later): the same text.
          assert.equal(recordJson('runs', run as never), JSON.stringify(run));
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.record({ id: text, run_id: text, kind: fc.constantFrom('tool', 'custom', 'model'), name: text, started_at: text, status: fc.constantFrom('running', 'ok', 'error') }),
        fc.record({ parent_span_id: optional(text), iteration: optional(fc.integer()), ended_at: optional(text), error: optional(fc.record({ type: text, message: text, module: optional(text) })), attributes: optional(object) }),
        (head, tail) => {
          const span = { ...head, ...tail };
          assert.equal(recordJson('spans', span as never), JSON.stringify(span));
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.record({ id: text, created_at: text, ended_at: optional(text), metadata: optional(object) }), (session) => {
        assert.equal(recordJson('sessions', session as never), JSON.stringify(session));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves other tables to JSON.stringify, and objects with toJSON or nested values to it', () => {
    assert.equal(recordJson('events', { id: 'e' } as never), undefined);
    const when = new Date(0);
    const span = { id: 'a', run_id: 'b', kind: 'tool', name: 'n', started_at: 't', status: 'ok', attributes: { when, list: [1, { x: null }] } };
    assert.equal(recordJson('spans', span as never), JSON.stringify(span));
  });

  it('recordLength is the length of that text when no top-level string needs escaping', () => {
    const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', ':', '.', 'é', '漢'), maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({ id: plain, session_id: plain, name: plain, started_at: plain, status: fc.constantFrom('running', 'ok', 'error') }),
        fc.record({ metadata: optional(object), ended_at: optional(plain), error: optional(fc.record({ type: text, message: text })) }),
        fc.record({ id: plain, run_id: plain, kind: fc.constantFrom('tool', 'custom'), name: plain, started_at: plain, status: fc.constantFrom('ok', 'error') }),
        fc.record({ parent_span_id: optional(plain), iteration: optional(fc.integer()), ended_at: optional(plain), error: optional(fc.record({ type: text, message: text })), attributes: optional(object) }),
        fc.record({ id: plain, created_at: plain, ended_at: optional(plain), metadata: optional(object) }),
        (runHead, runTail, spanHead, spanTail, session) => {
          for (const [table, record] of [['runs', { ...runHead, ...runTail }], ['spans', { ...spanHead, ...spanTail }], ['sessions', session]] as const) {
            assert.equal(recordLength(table, record as never), recordJson(table, record as never)!.length, table);
          }
        },
      ),
      { numRuns: 500 },
    );
    assert.equal(recordLength('scores', {} as never), undefined);
  });
});
