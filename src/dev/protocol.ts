// The ingest contract as the hosted server enforces it (PROTOCOL.md "Body", "Values the
// database refuses"), so the local collector refuses exactly what the real one refuses.
// Written for the package: the test server's copy lives in spec/ and is not shipped.
import { isBag } from '../util/values.js';

/** A record as it travels in a batch. */
export type WireRecord = Record<string, unknown>;

/** The record arrays of a batch, in the order the server stores them. */
export const RECORD_TABLES = ['sessions', 'runs', 'spans', 'events', 'scores', 'prompt_links'] as const;

/** Name of one record array of a batch. */
export type RecordTable = (typeof RECORD_TABLES)[number];

/** A batch that passed validation, with absent arrays filled in as empty. */
export type Batch = { [T in RecordTable]: WireRecord[] };

/** Why a batch is refused: the HTTP status the real server answers and its reason. */
export interface Refusal {
  readonly status: 400 | 500;
  readonly error: string;
}

const SCHEMA_VERSION = 2;
const MAX_SCORES = 500;
const TIMESTAMP =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Check = (value: unknown) => string | undefined;

const show = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** True for a JSON object that is not an array (the shared value test of src/util). */
export const isObject: (value: unknown) => value is WireRecord = isBag;

const uuid: Check = (v) => (typeof v === 'string' && UUID.test(v) ? undefined : `must be a UUID string, got ${show(v)}`);
const timestamp: Check = (v) =>
  typeof v === 'string' && TIMESTAMP.test(v) ? undefined : `must be an ISO 8601 timestamp with a Z or ±hh:mm offset, got ${show(v)}`;
const text: Check = (v) => (typeof v === 'string' ? undefined : `must be a string, got ${show(v)}`);
const nonEmpty: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : `must be a non-empty string, got ${show(v)}`);
const notBlank: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : `must be a non-blank string, got ${show(v)}`);
const oneOf = (allowed: readonly string[]): Check => (v) =>
  typeof v === 'string' && allowed.includes(v) ? undefined : `must be one of ${allowed.join(' | ')}, got ${show(v)}`;
const integer: Check = (v) => (Number.isInteger(v) ? undefined : `must be an integer, got ${show(v)}`);
const finite: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `must be a finite number, got ${show(v)}`);
const object: Check = (v) => (isObject(v) ? undefined : `must be a JSON object, got ${show(v)}`);
const anything: Check = () => undefined;
const errorObject: Check = (v) => {
  if (!isObject(v)) return `must be a JSON object {type, message, module?}, got ${show(v)}`;
  const extra = Object.keys(v).find((k) => k !== 'type' && k !== 'message' && k !== 'module');
  if (extra !== undefined) return `has unknown key ${show(extra)} (allowed: type, message, module)`;
  if (typeof v.type !== 'string') return `.type must be a string, got ${show(v.type)}`;
  if (typeof v.message !== 'string') return `.message must be a string, got ${show(v.message)}`;
  if ('module' in v && typeof v.module !== 'string') return `.module must be a string, got ${show(v.module)}`;
  return undefined;
};

const STATUS = oneOf(['running', 'ok', 'error']);

interface Rule {
  readonly kind: string;
  readonly required: Readonly<Record<string, Check>>;
  readonly optional: Readonly<Record<string, Check>>;
  readonly whole?: (record: WireRecord) => string | undefined;
}

const RULES: Readonly<Record<RecordTable, Rule>> = {
  sessions: { kind: 'session', required: { id: uuid, created_at: timestamp }, optional: { ended_at: timestamp, metadata: object } },
  runs: {
    kind: 'run',
    required: { id: uuid, session_id: uuid, name: nonEmpty, started_at: timestamp, status: STATUS },
    optional: { ended_at: timestamp, error: errorObject, metadata: object },
  },
  spans: {
    kind: 'span',
    required: {
      id: uuid, run_id: uuid, kind: oneOf(['agent', 'workflow', 'model', 'tool', 'custom']), name: nonEmpty,
      started_at: timestamp, status: STATUS,
    },
    optional: { parent_span_id: uuid, ended_at: timestamp, error: errorObject, iteration: integer, attributes: object },
  },
  events: {
    kind: 'event',
    required: {
      id: uuid, run_id: uuid, created_at: timestamp, content: anything,
      type: oneOf(['user_input', 'system_message', 'assistant_message', 'reasoning', 'tool_arguments', 'tool_result', 'final_response', 'custom']),
    },
    optional: { span_id: uuid, attributes: object },
  },
  scores: {
    kind: 'score',
    required: {
      id: uuid, trace_id: uuid, name: notBlank, value: finite, data_type: oneOf(['numeric', 'categorical', 'boolean']),
      source: (v) => (v === 'api' ? undefined : `must be "api", got ${show(v)}`), created_at: timestamp,
    },
    optional: { span_id: uuid, string_value: text, comment: text },
    whole: (s) => {
      if (s.data_type === 'boolean') return s.value === 0 || s.value === 1 ? undefined : `field "value" must be 0 or 1 for a boolean score, got ${show(s.value)}`;
      if (s.data_type === 'categorical') {
        if (s.value !== 0) return `field "value" must be 0 for a categorical score, got ${show(s.value)}`;
        return typeof s.string_value === 'string' && s.string_value.trim() !== ''
          ? undefined
          : `field "string_value" must be a non-blank string for a categorical score, got ${show(s.string_value)}`;
      }
      return 'string_value' in s ? 'field "string_value" must be absent for a numeric score' : undefined;
    },
  },
  prompt_links: {
    kind: 'prompt_link',
    required: { trace_id: uuid, span_id: uuid, prompt_version_id: uuid },
    optional: { variable_values: object },
  },
};

/** `run runs[3] (id "…")`: how a reason points at a record. */
export function describeRecord(table: RecordTable, index: number, record: unknown): string {
  const id = isObject(record) && typeof record.id === 'string' ? ` (id ${show(record.id)})` : '';
  return `${RULES[table].kind} ${table}[${index}]${id}`;
}

function checkRecord(table: RecordTable, index: number, record: unknown): string | undefined {
  const rule = RULES[table];
  const where = describeRecord(table, index, record);
  if (!isObject(record)) return `${where}: must be a JSON object, got ${show(record)}`;
  for (const key of Object.keys(record)) {
    if (!(key in rule.required) && !(key in rule.optional)) {
      return `${where}: unknown key ${show(key)} (allowed: ${[...Object.keys(rule.required), ...Object.keys(rule.optional)].join(', ')})`;
    }
  }
  for (const [field, check] of Object.entries(rule.required)) {
    if (!(field in record)) return `${where}: missing required field "${field}"`;
    // Event content is the one field where JSON null is a value, not an absence.
    if (record[field] === null && !(table === 'events' && field === 'content')) return `${where}: field "${field}" must not be null`;
    const problem = check(record[field]);
    if (problem) return `${where}: field "${field}" ${problem}`;
  }
  for (const [field, check] of Object.entries(rule.optional)) {
    if (!(field in record)) continue;
    if (record[field] === null) return `${where}: field "${field}" is null; omit an absent field instead of sending null`;
    const problem = check(record[field]);
    if (problem) return `${where}: field "${field}" ${problem}`;
  }
  const incoherent = rule.whole?.(record);
  return incoherent ? `${where}: ${incoherent}` : undefined;
}

/** Checks a parsed body against every rule that needs no stored state (HTTP 400 when broken). */
export function validateBatch(body: unknown): { batch: Batch } | Refusal {
  const refuse = (error: string): Refusal => ({ status: 400, error });
  if (!isObject(body)) return refuse(`body must be a JSON object, got ${show(body)}`);
  const allowed = ['schema_version', ...RECORD_TABLES] as readonly string[];
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra !== undefined) return refuse(`body has unknown key ${show(extra)} (allowed: ${allowed.join(', ')})`);
  if (body.schema_version !== SCHEMA_VERSION) return refuse(`body field "schema_version" must be ${SCHEMA_VERSION}, got ${show(body.schema_version)}`);
  const batch = {} as Batch;
  for (const table of RECORD_TABLES) {
    const records = table in body ? body[table] : [];
    if (!Array.isArray(records)) return refuse(`body field "${table}" must be an array, got ${show(body[table])}`);
    batch[table] = records as WireRecord[];
  }
  if (batch.scores.length > MAX_SCORES) return refuse(`body field "scores" holds ${batch.scores.length} scores; at most ${MAX_SCORES} per batch`);
  for (const table of RECORD_TABLES) {
    for (const [index, record] of batch[table].entries()) {
      const error = checkRecord(table, index, record);
      if (error) return refuse(error);
    }
  }
  return { batch };
}

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

function isCalendarValid(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  if (year === 0 || month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return false;
  const endOfDay = hour === 24 && minute === 0 && second === 0 && Number(m[7] ?? '0') === 0;
  if ((hour! > 23 && !endOfDay) || minute! > 59 || second! > 60) return false;
  if (m[8] !== 'Z') {
    const [oh, om] = m[8]!.slice(1).split(':').map(Number) as [number, number];
    if (oh > 15 || om > 59) return false;
  }
  return true;
}

function findBadString(root: unknown, rootPath: string): string | undefined {
  const pending: Array<[unknown, string]> = [[root, rootPath]];
  const bad = (s: string) =>
    NUL.test(s) ? 'contains U+0000 (PostgreSQL: unsupported Unicode escape sequence)'
      : LONE_SURROGATE.test(s) ? 'contains a lone UTF-16 surrogate (PostgreSQL: invalid Unicode surrogate pair)' : undefined;
  while (pending.length > 0) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      const problem = bad(value);
      if (problem) return `field "${path}": string ${problem}`;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, `${path}[${i}]`]));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        const problem = bad(key);
        if (problem) return `field "${path}": key ${JSON.stringify(key)} ${problem}`;
        pending.push([item, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/** Values that pass validation but that the hosted database refuses (the real server answers 500). */
export function findDatabaseRefusal(batch: Batch): Refusal | undefined {
  for (const table of RECORD_TABLES) {
    for (const [index, record] of batch[table].entries()) {
      const where = describeRecord(table, index, record);
      for (const [field, value] of Object.entries(record)) {
        const problem = findBadString(value, field);
        if (problem) return { status: 500, error: `${where}: ${problem}` };
      }
      const iteration = record.iteration;
      if (typeof iteration === 'number' && (iteration < -2_147_483_648 || iteration > 2_147_483_647)) {
        return { status: 500, error: `${where}: field "iteration" ${iteration} is out of range for type integer (32-bit)` };
      }
      for (const field of ['created_at', 'started_at', 'ended_at']) {
        if (typeof record[field] === 'string' && !isCalendarValid(record[field] as string)) {
          return { status: 500, error: `${where}: field "${field}" date/time field value out of range: ${JSON.stringify(record[field])}` };
        }
      }
    }
  }
  return undefined;
}
