// The validation rules of the NorthStar ingest endpoint (docs/protocol.md, "Body"), written
// independently of the SDK so the specs check the SDK against the contract rather than
// against itself. A batch that breaks any rule here is rejected whole with HTTP 400.

// `any` on purpose: specs read stored fields freely (`server.runs.get(id).metadata.tags`).
/** A record as it travels in a batch and as the server stores it. */
export type WireRecord = Record<string, any>;

/** The record arrays of a batch, in the order the server stores them. */
export const RECORD_TABLES = ['sessions', 'runs', 'spans', 'events', 'scores', 'prompt_links'] as const;

/** Name of one record array of a batch. */
export type RecordTable = (typeof RECORD_TABLES)[number];

/** A batch that passed validation, with absent arrays filled in as empty. */
export type Batch = { [T in RecordTable]: WireRecord[] };

/** The only `schema_version` the server accepts. */
export const SCHEMA_VERSION = 2;

/** More scores than this in one batch is a 400. */
export const MAX_SCORES_PER_BATCH = 500;

/** Fields that hold timestamps; the database checks their calendar dates. */
export const TIMESTAMP_FIELDS = ['created_at', 'started_at', 'ended_at'] as const;

/**
 * ISO 8601 date-time with a mandatory `Z` or `±hh:mm` offset. Groups: year, month, day,
 * hour, minute, second, fraction, offset. Seconds are optional as in ISO 8601; years may
 * use the six-digit signed form `Date.prototype.toISOString()` produces outside 0000-9999.
 */
export const TIMESTAMP_PATTERN =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})$/;

// PostgreSQL's uuid type: 32 hex digits in the canonical 8-4-4-4-12 grouping. It does not
// check the version nibble, so neither do we.
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const RUN_STATUSES = ['running', 'ok', 'error'];
const SPAN_KINDS = ['agent', 'workflow', 'model', 'tool', 'custom'];
const EVENT_TYPES = [
  'user_input',
  'system_message',
  'assistant_message',
  'reasoning',
  'tool_arguments',
  'tool_result',
  'final_response',
  'custom',
];
const SCORE_DATA_TYPES = ['numeric', 'categorical', 'boolean'];

/** Returns what is wrong with a field value, or undefined when it is fine. */
type FieldCheck = (value: unknown) => string | undefined;

/** What one kind of record may and must contain. */
interface RecordRule {
  /** Singular name used in error messages: `run`, `span`, ... */
  readonly kind: string;
  readonly required: Readonly<Record<string, FieldCheck>>;
  readonly optional: Readonly<Record<string, FieldCheck>>;
  /** Cross-field rules, run once every field passed. */
  readonly whole?: (record: WireRecord) => { field: string; problem: string } | undefined;
}

const show = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const isJsonObject = (value: unknown): value is WireRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const uuid: FieldCheck = (v) =>
  typeof v === 'string' && UUID_PATTERN.test(v) ? undefined : `must be a UUID string, got ${show(v)}`;

// Only the shape is checked here: a well-formed but impossible date (2024-02-30) passes
// validation and fails in the database with a 500 (docs/protocol.md "Values the database refuses").
const timestamp: FieldCheck = (v) =>
  typeof v === 'string' && TIMESTAMP_PATTERN.test(v)
    ? undefined
    : `must be an ISO 8601 timestamp with a Z or ±hh:mm offset, got ${show(v)}`;

const anyString: FieldCheck = (v) => (typeof v === 'string' ? undefined : `must be a string, got ${show(v)}`);

const nonEmptyString: FieldCheck = (v) =>
  typeof v === 'string' && v.length > 0 ? undefined : `must be a non-empty string, got ${show(v)}`;

const notBlankString: FieldCheck = (v) =>
  typeof v === 'string' && v.trim().length > 0 ? undefined : `must be a non-blank string, got ${show(v)}`;

const oneOf =
  (allowed: readonly string[]): FieldCheck =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `must be one of ${allowed.join(' | ')}, got ${show(v)}`;

const exactly =
  (expected: string): FieldCheck =>
  (v) =>
    v === expected ? undefined : `must be ${show(expected)}, got ${show(v)}`;

// Range is the database's business (int32 overflow is a 500), integrality is validation's.
const integer: FieldCheck = (v) => (Number.isInteger(v) ? undefined : `must be an integer, got ${show(v)}`);

const finiteNumber: FieldCheck = (v) =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : `must be a finite number, got ${show(v)}`;

const jsonObject: FieldCheck = (v) => (isJsonObject(v) ? undefined : `must be a JSON object, got ${show(v)}`);

const anyJson: FieldCheck = () => undefined;

const errorObject: FieldCheck = (v) => {
  if (!isJsonObject(v)) return `must be a JSON object {type, message, module?}, got ${show(v)}`;
  for (const key of Object.keys(v)) {
    if (key !== 'type' && key !== 'message' && key !== 'module') {
      return `has unknown key ${show(key)} (allowed: type, message, module)`;
    }
  }
  if (typeof v.type !== 'string') return `.type must be a string, got ${show(v.type)}`;
  if (typeof v.message !== 'string') return `.message must be a string, got ${show(v.message)}`;
  if ('module' in v && typeof v.module !== 'string') return `.module must be a string, got ${show(v.module)}`;
  return undefined;
};

const scoreCoherence: RecordRule['whole'] = (score) => {
  switch (score.data_type) {
    case 'boolean':
      return score.value === 0 || score.value === 1
        ? undefined
        : { field: 'value', problem: `must be 0 or 1 for a boolean score, got ${show(score.value)}` };
    case 'categorical':
      if (score.value !== 0) {
        return { field: 'value', problem: `must be 0 for a categorical score, got ${show(score.value)}` };
      }
      return typeof score.string_value === 'string' && score.string_value.trim().length > 0
        ? undefined
        : { field: 'string_value', problem: `must be a non-blank string for a categorical score, got ${show(score.string_value)}` };
    default: // numeric
      return 'string_value' in score
        ? { field: 'string_value', problem: 'must be absent for a numeric score' }
        : undefined;
  }
};

/** The docs/protocol.md table, one rule per record array. */
const RULES: Readonly<Record<RecordTable, RecordRule>> = {
  sessions: {
    kind: 'session',
    required: { id: uuid, created_at: timestamp },
    optional: { ended_at: timestamp, metadata: jsonObject },
  },
  runs: {
    kind: 'run',
    required: { id: uuid, session_id: uuid, name: nonEmptyString, started_at: timestamp, status: oneOf(RUN_STATUSES) },
    optional: { ended_at: timestamp, error: errorObject, metadata: jsonObject },
  },
  spans: {
    kind: 'span',
    required: {
      id: uuid,
      run_id: uuid,
      kind: oneOf(SPAN_KINDS),
      name: nonEmptyString,
      started_at: timestamp,
      status: oneOf(RUN_STATUSES),
    },
    optional: { parent_span_id: uuid, ended_at: timestamp, error: errorObject, iteration: integer, attributes: jsonObject },
  },
  events: {
    kind: 'event',
    required: { id: uuid, run_id: uuid, type: oneOf(EVENT_TYPES), created_at: timestamp, content: anyJson },
    optional: { span_id: uuid, attributes: jsonObject },
  },
  scores: {
    kind: 'score',
    required: {
      id: uuid,
      trace_id: uuid,
      name: notBlankString,
      value: finiteNumber,
      data_type: oneOf(SCORE_DATA_TYPES),
      source: exactly('api'),
      created_at: timestamp,
    },
    optional: { span_id: uuid, string_value: anyString, comment: anyString },
    whole: scoreCoherence,
  },
  prompt_links: {
    kind: 'prompt_link',
    required: { trace_id: uuid, span_id: uuid, prompt_version_id: uuid },
    optional: { variable_values: jsonObject },
  },
};

/** `run runs[3] (id "…")`: how error messages point at a record. */
export function describeRecord(table: RecordTable, index: number, record: unknown): string {
  const id = isJsonObject(record) && typeof record.id === 'string' ? ` (id ${show(record.id)})` : '';
  return `${RULES[table].kind} ${table}[${index}]${id}`;
}

function checkRecord(table: RecordTable, index: number, record: unknown): string | undefined {
  const rule = RULES[table];
  const where = describeRecord(table, index, record);
  if (!isJsonObject(record)) return `${where}: must be a JSON object, got ${show(record)}`;

  for (const key of Object.keys(record)) {
    if (!(key in rule.required) && !(key in rule.optional)) {
      const allowed = [...Object.keys(rule.required), ...Object.keys(rule.optional)].join(', ');
      return `${where}: unknown key ${show(key)} (allowed: ${allowed})`;
    }
  }
  for (const [field, check] of Object.entries(rule.required)) {
    if (!(field in record)) return `${where}: missing required field "${field}"`;
    // Event content is the one field where JSON null is a value, not an absence.
    if (record[field] === null && !(table === 'events' && field === 'content')) {
      return `${where}: field "${field}" must not be null`;
    }
    const problem = check(record[field]);
    if (problem) return `${where}: field "${field}" ${problem}`;
  }
  for (const [field, check] of Object.entries(rule.optional)) {
    if (!(field in record)) continue;
    // A link's explicit null variable_values passes validation and fails in the database (500).
    if (record[field] === null && table === 'prompt_links' && field === 'variable_values') continue;
    if (record[field] === null) return `${where}: field "${field}" is null; omit an absent field instead of sending null`;
    const problem = check(record[field]);
    if (problem) return `${where}: field "${field}" ${problem}`;
  }
  const incoherent = rule.whole?.(record);
  return incoherent ? `${where}: field "${incoherent.field}" ${incoherent.problem}` : undefined;
}

/**
 * Checks a parsed request body against every docs/protocol.md rule that does not need stored
 * state. References are checked by the store, refused values by the database rules.
 */
export function validateBatch(body: unknown): { ok: true; batch: Batch } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  if (!isJsonObject(body)) return fail(`body must be a JSON object, got ${show(body)}`);

  const allowedKeys: readonly string[] = ['schema_version', ...RECORD_TABLES];
  for (const key of Object.keys(body)) {
    if (!allowedKeys.includes(key)) return fail(`body has unknown key ${show(key)} (allowed: ${allowedKeys.join(', ')})`);
  }
  if (body.schema_version !== SCHEMA_VERSION) {
    return fail(`body field "schema_version" must be ${SCHEMA_VERSION}, got ${show(body.schema_version)}`);
  }

  const batch = {} as Batch;
  for (const table of RECORD_TABLES) {
    // docs/protocol.md: "every array may be empty"; a missing array is read as an empty one.
    const records: unknown = table in body ? body[table] : [];
    if (!Array.isArray(records)) return fail(`body field "${table}" must be an array, got ${show(body[table])}`);
    batch[table] = records as WireRecord[];
  }
  if (batch.scores.length > MAX_SCORES_PER_BATCH) {
    return fail(`body field "scores" holds ${batch.scores.length} scores; at most ${MAX_SCORES_PER_BATCH} per batch`);
  }
  for (const table of RECORD_TABLES) {
    for (const [index, record] of batch[table].entries()) {
      const error = checkRecord(table, index, record);
      if (error) return fail(error);
    }
  }
  return { ok: true, batch };
}
