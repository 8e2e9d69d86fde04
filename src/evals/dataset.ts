import { readFileSync } from 'node:fs';

import { NorthstarError } from '../errors/northstar-error.js';
import type { EvalCase, EvalCaseInput, EvalExpected, EvalMetrics, TraceExpected } from './types.js';

/** Thrown for a dataset record that is not a valid case; the message names the place and the field. */
export class NorthstarDatasetError extends NorthstarError {
  override name = 'NorthstarDatasetError';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const STRING_LISTS = ['context', 'required_tools', 'forbidden_tools', 'tool_sequence', 'contains', 'not_contains'] as const;
const EXPECTED_KEYS = new Set<string>([
  'goal', 'ground_truth', 'rubric', 'tool_arguments', 'require_tool_output_reference', 'max_tool_calls',
  'max_latency_ms', 'max_cost_usd', 'trace', ...STRING_LISTS,
]);
const TRACE_KEYS = new Set([
  'max_repeated_tool_calls', 'allowed_state_transitions', 'relevant_retrieval_ids', 'min_retrieval_precision',
  'min_retrieval_recall', 'max_step_cost_usd',
]);
const CASE_KEYS = new Set(['id', 'input', 'trace', 'messages', 'expected', 'metrics', 'metadata']);

/** Validates one record against the case format; `where` names it in errors ("line 3", "case 2"). */
function parseCase(value: unknown, where: string): EvalCase {
  const fail = (field: string, problem: string): never => {
    throw new NorthstarDatasetError(`dataset ${where}: ${field} ${problem}`);
  };
  if (!isObject(value)) return fail('the record', 'must be an object');
  for (const key of Object.keys(value)) if (!CASE_KEYS.has(key)) fail(key, `is not a case field (allowed: ${[...CASE_KEYS].join(', ')})`);
  const id = value.id;
  if (typeof id !== 'string' || id.trim() === '') {
    if (typeof id === 'number' && Number.isFinite(id)) return parseCase({ ...value, id: String(id) }, where);
    fail('id', 'must be a non-empty string');
  }
  const messages = value.messages ?? [];
  if (!Array.isArray(messages)) fail('messages', 'must be an array of messages');
  (messages as unknown[]).forEach((m, i) => {
    if (!isObject(m)) fail(`messages[${i}]`, 'must be an object');
    else if (typeof m.role !== 'string') fail(`messages[${i}].role`, 'must be a string');
  });
  if (value.trace !== undefined && value.trace !== null && !isObject(value.trace)) fail('trace', 'must be an object');
  if (value.metadata !== undefined && value.metadata !== null && !isObject(value.metadata)) fail('metadata', 'must be an object');
  return {
    id: id as string,
    input: value.input,
    ...(isObject(value.trace) ? { trace: value.trace } : {}),
    messages: messages as Json[],
    expected: parseExpected(value.expected, fail),
    metrics: parseMetrics(value.metrics, fail),
    metadata: isObject(value.metadata) ? value.metadata : {},
  };
}

type Fail = (field: string, problem: string) => never;

function parseExpected(value: unknown, fail: Fail): EvalExpected {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) return fail('expected', 'must be an object');
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (!EXPECTED_KEYS.has(key)) fail(`expected.${key}`, `is not an expectation (allowed: ${[...EXPECTED_KEYS].join(', ')})`);
    if (v === null || v === undefined) continue;
    const field = `expected.${key}`;
    if ((STRING_LISTS as readonly string[]).includes(key)) {
      // A single string stands for a list of one, as in the Python SDK.
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) fail(field, 'must be a string or a list of strings');
      out[key] = list;
    } else if (key === 'goal' || key === 'ground_truth' || key === 'rubric') {
      if (typeof v !== 'string') fail(field, 'must be a string');
      out[key] = v;
    } else if (key === 'require_tool_output_reference') {
      if (typeof v !== 'boolean') fail(field, 'must be a boolean');
      out[key] = v;
    } else if (key === 'max_tool_calls') {
      if (!Number.isInteger(v) || (v as number) < 0) fail(field, 'must be a non-negative integer');
      out[key] = v;
    } else if (key === 'max_latency_ms' || key === 'max_cost_usd') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, 'must be a non-negative number');
      out[key] = v;
    } else if (key === 'tool_arguments') {
      if (!Array.isArray(v)) fail(field, 'must be a list of { name, arguments }');
      (v as unknown[]).forEach((t, i) => {
        if (!isObject(t) || typeof t.name !== 'string') fail(`${field}[${i}].name`, 'must be a string');
        if (!isObject((t as Json).arguments)) fail(`${field}[${i}].arguments`, 'must be an object');
      });
      out[key] = v;
    } else if (key === 'trace') {
      out[key] = parseTraceExpected(v, fail);
    }
  }
  return out as EvalExpected;
}

function parseTraceExpected(value: unknown, fail: Fail): TraceExpected {
  if (!isObject(value)) return fail('expected.trace', 'must be an object');
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const field = `expected.trace.${key}`;
    if (!TRACE_KEYS.has(key)) fail(field, `is not a trace expectation (allowed: ${[...TRACE_KEYS].join(', ')})`);
    if (v === null || v === undefined) continue;
    if (key === 'max_repeated_tool_calls') {
      if (!Number.isInteger(v) || (v as number) <= 0) fail(field, 'must be a positive integer');
    } else if (key === 'min_retrieval_precision' || key === 'min_retrieval_recall') {
      if (typeof v !== 'number' || v < 0 || v > 1) fail(field, 'must be a number from 0 to 1');
    } else if (key === 'max_step_cost_usd') {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, 'must be a non-negative number');
    } else if (key === 'relevant_retrieval_ids') {
      if (!Array.isArray(v)) fail(field, 'must be a list of ids');
      out[key] = (v as unknown[]).map(String);
      continue;
    } else if (key === 'allowed_state_transitions') {
      if (!Array.isArray(v)) fail(field, 'must be a list of { from_state, to_state }');
      (v as unknown[]).forEach((t, i) => {
        if (!isObject(t) || typeof t.from_state !== 'string' || typeof t.to_state !== 'string') {
          fail(`${field}[${i}]`, 'must be { from_state: string, to_state: string }');
        }
      });
    }
    out[key] = v;
  }
  return out as TraceExpected;
}

function parseMetrics(value: unknown, fail: Fail): EvalMetrics {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) return fail('metrics', 'must be an object');
  const out: EvalMetrics = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'latency_ms' && key !== 'cost_usd') fail(`metrics.${key}`, 'is not a metric (allowed: latency_ms, cost_usd)');
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`metrics.${key}`, 'must be a number');
    out[key as keyof EvalMetrics] = v as number;
  }
  return out;
}

/**
 * A list of eval cases, in the NorthStar Python SDK's case format (`id`, `input`,
 * `messages`, `trace`, `expected`, `metrics`, `metadata`).
 *
 * @example
 * const dataset = Dataset.fromPath('evals/support.jsonl');
 * const inline = Dataset.fromRecords([{ id: 'refund', input: 'Refund order 42', expected: { required_tools: ['lookup_order'] } }]);
 */
export class Dataset implements Iterable<EvalCase> {
  /** The validated cases, in file order. */
  readonly cases: readonly EvalCase[];
  /** A name for reports and run metadata (the file's base name, or `'dataset'`). */
  readonly name: string;

  private constructor(cases: EvalCase[], name: string) {
    const seen = new Set<string>();
    for (const c of cases) {
      if (seen.has(c.id)) throw new NorthstarDatasetError(`dataset ${name}: id ${JSON.stringify(c.id)} appears twice`);
      seen.add(c.id);
    }
    this.cases = Object.freeze(cases);
    this.name = name;
  }

  /** Cases written in code; throws `NorthstarDatasetError` naming the case and the field. */
  static fromRecords(records: readonly EvalCaseInput[] | readonly unknown[], options: { name?: string } = {}): Dataset {
    if (!Array.isArray(records)) throw new NorthstarDatasetError('dataset: fromRecords takes an array of cases');
    return new Dataset(records.map((r, i) => parseCase(r, `case ${i + 1}`)), options.name ?? 'dataset');
  }

  /**
   * The cases of a JSON text (a case, a list of cases, or `{ "cases": [...] }`) or of a
   * JSONL text (one case per line; blank lines and `#` comments skipped).
   */
  static fromText(text: string, options: { name?: string; format?: 'json' | 'jsonl' } = {}): Dataset {
    const name = options.name ?? 'dataset';
    const trimmed = text.trim();
    const format = options.format ?? (looksLikeJsonDocument(trimmed) ? 'json' : 'jsonl');
    if (format === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch (error) {
        throw new NorthstarDatasetError(`dataset ${name}: not valid JSON (${(error as Error).message})`);
      }
      const list = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.cases) ? parsed.cases : [parsed];
      return new Dataset(list.map((r, i) => parseCase(r, `${name} case ${i + 1}`)), name);
    }
    const cases: EvalCase[] = [];
    text.split(/\r?\n/).forEach((line, index) => {
      const content = line.trim();
      if (content === '' || content.startsWith('#')) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(content);
      } catch (error) {
        throw new NorthstarDatasetError(`dataset ${name} line ${index + 1}: not valid JSON (${(error as Error).message})`);
      }
      cases.push(parseCase(parsed, `${name} line ${index + 1}`));
    });
    return new Dataset(cases, name);
  }

  /** Reads a `.json` or `.jsonl` file (the format is taken from the extension, else from the content). */
  static fromPath(path: string): Dataset {
    const text = readFileSync(path, 'utf8');
    const base = path.split(/[\\/]/).pop() ?? path;
    const format = /\.jsonl$/i.test(path) || /\.ndjson$/i.test(path) ? 'jsonl' : /\.json$/i.test(path) ? 'json' : undefined;
    return Dataset.fromText(text, { name: base.replace(/\.(jsonl|ndjson|json)$/i, ''), ...(format ? { format } : {}) });
  }

  get size(): number {
    return this.cases.length;
  }

  [Symbol.iterator](): Iterator<EvalCase> {
    return this.cases[Symbol.iterator]();
  }
}

/** A JSON document (not JSONL): an array, or one object spanning the whole text. */
function looksLikeJsonDocument(text: string): boolean {
  if (text.startsWith('[')) return true;
  if (!text.startsWith('{')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
