// Replay of a recorded run: its ordered steps, re-running its tool calls against your
// current tool functions, and a per-step diff of the new results against the recorded ones.

import { installedClient } from '../client/installed.js';
import type { EventRecord, SpanRecord, WireError } from '../registry/records.js';
import type { RunExport } from '../registry/run-recorder.js';

/** What a message step is. */
export type ReplayMessageKind = 'user_input' | 'system_message' | 'assistant_message' | 'reasoning' | 'final_response';

/** A message of the run: the trace input (`user_input` without `spanId`), model messages, or the final response. */
export interface ReplayMessageStep {
  readonly index: number;
  readonly kind: ReplayMessageKind;
  /** The message content as recorded. */
  readonly content: unknown;
  /** The model span it was recorded on; undefined for the run's own input and final response. */
  readonly spanId: string | undefined;
  readonly at: string;
}

/** A tool call: a `tool` span, or a tool call a model asked for (with its result from the next model call's input). */
export interface ReplayToolCallStep {
  readonly index: number;
  readonly kind: 'tool_call';
  /** The tool's name (the span name, or the function name the model called). */
  readonly name: string;
  /** The recorded arguments: a traced function's arguments by parameter name, or a model tool call's parsed JSON arguments. */
  readonly arguments: unknown;
  /** The recorded result (undefined when none was recorded). */
  readonly result: unknown;
  readonly hasResult: boolean;
  /** The recorded error, when the tool span failed. */
  readonly error: WireError | undefined;
  /** The provider's tool call id, for model tool calls. */
  readonly toolCallId: string | undefined;
  /** The tool span, or the model span that asked for the call. */
  readonly spanId: string | undefined;
  readonly at: string;
}

/** One step of a replayed run. */
export type ReplayStep = ReplayMessageStep | ReplayToolCallStep;

/** Tool functions by name; each is called with the step's recorded arguments. */
export type ToolRegistry = Readonly<Record<string, (args: any, step: ReplayToolCallStep) => unknown>>;

/** What one re-run of a tool call gave. */
export interface ReplayInvocation {
  readonly step: ReplayToolCallStep;
  /** The value the tool returned (awaited). */
  readonly output: unknown;
  /** What the tool threw, if it did. */
  readonly error: unknown;
}

/** The comparison of one re-run tool call with its recording. */
export interface ReplayStepDiff {
  readonly index: number;
  readonly name: string;
  readonly equal: boolean;
  /** The recorded outcome: the result, or `{ error }` with the recorded message. */
  readonly recorded: unknown;
  /** The replayed outcome, JSON-normalised like a recording: the output, or `{ error }`. */
  readonly replayed: unknown;
  /** One line per difference: `$.path: recorded X, replayed Y`. */
  readonly differences: readonly string[];
}

/** Every re-run tool call compared with its recording. */
export interface ReplayDiff {
  /** True when every invoked step gave what was recorded. */
  readonly equal: boolean;
  readonly steps: readonly ReplayStepDiff[];
  /** A readable report, one block per step. */
  toString(): string;
}

const MAX_DIFFERENCES = 20;

/** A replay of one recorded run (see `replay()`). */
export class Replay {
  /** The run's id (trace id). */
  readonly traceId: string;
  /** The run's name. */
  readonly name: string;
  /** The steps in recorded order. */
  readonly steps: readonly ReplayStep[];
  /** The run's records as given. */
  readonly records: RunExport;
  private readonly invocations = new Map<number, ReplayInvocation>();

  /** @internal */
  constructor(records: RunExport) {
    this.records = records;
    this.traceId = records.run.id;
    this.name = records.run.name;
    this.steps = Object.freeze(buildSteps(records));
  }

  /** The tool-call steps. */
  get toolCalls(): ReplayToolCallStep[] {
    return this.steps.filter((s): s is ReplayToolCallStep => s.kind === 'tool_call');
  }

  /** The message steps. */
  get messages(): ReplayMessageStep[] {
    return this.steps.filter((s): s is ReplayMessageStep => s.kind !== 'tool_call');
  }

  /** The run's recorded input (its `user_input` event), if any. */
  get input(): unknown {
    return this.messages.find((s) => s.kind === 'user_input' && s.spanId === undefined)?.content;
  }

  /** The run's recorded final response, if any. */
  get output(): unknown {
    return this.messages.find((s) => s.kind === 'final_response')?.content;
  }

  /**
   * Re-runs one tool-call step with `tools[step.name]`, called with the recorded
   * arguments; the result (or what it threw) is kept for `diff()`. Rejects with a
   * `TypeError` when the step is not a tool call or the registry has no such tool.
   */
  async invoke(step: ReplayStep | number, tools: ToolRegistry): Promise<ReplayInvocation> {
    const target = typeof step === 'number' ? this.steps[step] : step;
    if (target === undefined || target.kind !== 'tool_call') throw new TypeError(`replay.invoke: step ${typeof step === 'number' ? step : target?.index} is not a tool call`);
    const tool = tools !== null && typeof tools === 'object' && Object.prototype.hasOwnProperty.call(tools, target.name) ? tools[target.name] : undefined;
    if (typeof tool !== 'function') throw new TypeError(`replay.invoke: no tool named ${JSON.stringify(target.name)} in the registry (has: ${Object.keys(tools ?? {}).join(', ') || 'none'})`);
    let invocation: ReplayInvocation;
    try {
      invocation = { step: target, output: await tool(structuredClone(target.arguments), target), error: undefined };
    } catch (error) {
      invocation = { step: target, output: undefined, error };
    }
    this.invocations.set(target.index, invocation);
    return invocation;
  }

  /** Re-runs every tool-call step whose tool is in the registry, in order; returns what each gave. */
  async invokeAll(tools: ToolRegistry): Promise<ReplayInvocation[]> {
    const results: ReplayInvocation[] = [];
    for (const step of this.toolCalls) {
      if (Object.prototype.hasOwnProperty.call(tools, step.name)) results.push(await this.invoke(step, tools));
    }
    return results;
  }

  /** Compares every re-run tool call with its recording (deep equality after JSON normalisation). */
  diff(): ReplayDiff {
    const steps = [...this.invocations.values()]
      .sort((a, b) => a.step.index - b.step.index)
      .map((invocation): ReplayStepDiff => {
        const { step } = invocation;
        const recorded = step.error !== undefined && !step.hasResult ? { error: step.error.message } : step.result;
        const replayed = invocation.error !== undefined ? { error: errorMessage(invocation.error) } : normalise(invocation.output);
        const differences: string[] = [];
        compare(recorded, replayed, '$', differences);
        return { index: step.index, name: step.name, equal: differences.length === 0, recorded, replayed, differences };
      });
    const equal = steps.every((s) => s.equal);
    return {
      equal,
      steps,
      toString() {
        if (steps.length === 0) return 'no tool call was replayed';
        return steps
          .map((s) => `step ${s.index} ${s.name}: ${s.equal ? 'same' : `differs\n${s.differences.map((d) => `  ${d}`).join('\n')}`}`)
          .join('\n');
      },
    };
  }
}

/**
 * A replay of a recorded run: a run this process recorded (its trace id, with
 * `init({ keepRuns })`), or a run export `{ run, spans, events, scores?, prompt_links?,
 * session? }` (an object or its JSON text, as the local viewer exports it).
 *
 * @example
 * const r = replay(getRecordedRun(traceId)!);
 * await r.invokeAll({ search: ({ query }) => search(query) });
 * assert.ok(r.diff().equal, r.diff().toString());
 */
export function replay(run: RunExport | string | { readonly id: string }): Replay {
  let records: unknown = run;
  const recorded = (id: string): RunExport => {
    const found = getRecordedRun(id);
    if (found === undefined) throw new TypeError(`replay: no recorded run ${JSON.stringify(id)} in this process (init with keepRuns: N to keep the last N runs)`);
    return found;
  };
  if (typeof run === 'string') {
    const text = run.trim();
    records = text.startsWith('{') ? JSON.parse(text) : recorded(text);
  } else if (run !== null && typeof run === 'object' && !('run' in run) && !('trace' in run) && !('runs' in run) && typeof (run as { id?: unknown }).id === 'string') {
    // A trace or run handle (`ManualRun`, `TraceHandle`): its recording in this process.
    records = recorded((run as { id: string }).id);
  }
  return new Replay(checkExport(records));
}

/** The records of a run the `init()` client recorded (`keepRuns` > 0), or undefined (also for a client of an older copy of the package). */
export function getRecordedRun(traceId: string): RunExport | undefined {
  return installedClient()?.getRecordedRun?.(traceId);
}

function checkExport(value: unknown): RunExport {
  if (value === null || typeof value !== 'object') throw new TypeError('replay: expected a run export { run, spans, events }');
  const loose = value as Partial<RunExport> & { trace?: unknown; runs?: unknown };
  // `trace`, or a one-run `runs` array (an ingest body), name the run too.
  const run = loose.run ?? loose.trace ?? (Array.isArray(loose.runs) && loose.runs.length === 1 ? loose.runs[0] : undefined);
  const v = { ...loose, run } as Partial<RunExport>;
  if (v.run === null || typeof v.run !== 'object' || typeof v.run.id !== 'string') throw new TypeError('replay: the export has no run { id, ... }');
  const list = (name: 'spans' | 'events'): unknown[] => {
    const items = v[name];
    if (items === undefined) return [];
    if (!Array.isArray(items)) throw new TypeError(`replay: ${name} must be an array`);
    return items;
  };
  return { ...v, run: v.run, spans: list('spans') as SpanRecord[], events: list('events') as EventRecord[] } as RunExport;
}

type MutableToolStep = { -readonly [K in keyof ReplayToolCallStep]: ReplayToolCallStep[K] };

/** The steps of a run in recorded order, model-message history de-duplicated. */
function buildSteps(records: RunExport): ReplayStep[] {
  const spans = new Map<string, SpanRecord>(records.spans.map((s) => [s.id, s]));
  const events = records.events
    .map((event, order) => ({ event, order }))
    .sort((a, b) => compareTime(a.event.created_at, b.event.created_at) || a.order - b.order)
    .map((e) => e.event);
  const steps: Array<ReplayMessageStep | MutableToolStep> = [];
  const toolSpanSteps = new Map<string, MutableToolStep>();
  const modelCalls = new Map<string, MutableToolStep>();
  const seenMessages = new Set<string>();
  const push = <S extends ReplayMessageStep | MutableToolStep>(step: Omit<S, 'index'>): S => {
    const full = { ...step, index: steps.length } as S;
    steps.push(full);
    return full;
  };
  const toolStep = (span: SpanRecord, at: string): MutableToolStep => {
    let step = toolSpanSteps.get(span.id);
    if (step === undefined) {
      step = push<MutableToolStep>({ kind: 'tool_call', name: span.name, arguments: undefined, result: undefined, hasResult: false, error: span.error, toolCallId: undefined, spanId: span.id, at });
      toolSpanSteps.set(span.id, step);
    }
    return step;
  };
  for (const event of events) {
    const span = event.span_id === undefined ? undefined : spans.get(event.span_id);
    if (span?.kind === 'tool') {
      if (event.type === 'tool_arguments') toolStep(span, event.created_at).arguments = event.content;
      else if (event.type === 'tool_result') Object.assign(toolStep(span, event.created_at), { result: event.content, hasResult: true });
      continue;
    }
    if (span === undefined || span.kind === 'model') {
      const attributes = event.attributes ?? {};
      if (span !== undefined && event.type === 'tool_arguments') {
        const call = (event.content ?? {}) as { id?: unknown; name?: unknown; arguments?: unknown };
        const id = typeof call.id === 'string' ? call.id : typeof attributes.tool_call_id === 'string' ? attributes.tool_call_id : undefined;
        if (id !== undefined && modelCalls.has(id)) continue;
        const name = typeof call.name === 'string' ? call.name : typeof attributes.name === 'string' ? attributes.name : 'tool';
        const step = push<MutableToolStep>({ kind: 'tool_call', name, arguments: parseArguments(call.arguments), result: undefined, hasResult: false, error: undefined, toolCallId: id, spanId: span.id, at: event.created_at });
        if (id !== undefined) modelCalls.set(id, step);
        continue;
      }
      if (span !== undefined && event.type === 'tool_result') {
        const id = attributes.tool_call_id;
        const step = typeof id === 'string' ? modelCalls.get(id) : undefined;
        if (step !== undefined && !step.hasResult) Object.assign(step, { result: event.content, hasResult: true });
        continue;
      }
      if (event.type === 'custom' || event.type === 'tool_arguments' || event.type === 'tool_result') continue;
      // Each model call records the whole conversation so far: keep a message once.
      if (span !== undefined) {
        const key = `${event.type}:${JSON.stringify(event.content)}`;
        if (seenMessages.has(key)) continue;
        seenMessages.add(key);
      }
      push<ReplayMessageStep>({ kind: event.type, content: event.content, spanId: span?.id, at: event.created_at });
    }
  }
  // Tool spans without any event still count as calls.
  for (const span of records.spans) if (span.kind === 'tool' && !toolSpanSteps.has(span.id)) toolStep(span, span.started_at);
  // A model tool call that a tool span also recorded (same name and arguments) is listed once.
  const spanCalls = [...toolSpanSteps.values()];
  const duplicates = new Set(
    [...modelCalls.values()].filter((m) => spanCalls.some((s) => s.name === m.name && sameJson(s.arguments, m.arguments))),
  );
  return steps.filter((s) => !duplicates.has(s as MutableToolStep)).map((s, index) => Object.freeze({ ...s, index }));
}

function compareTime(a: string, b: string): number {
  return (Date.parse(a) || 0) - (Date.parse(b) || 0);
}

/** Model tool arguments arrive as JSON text; a recorded object stays as it is. */
function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  const differences: string[] = [];
  compare(a, b, '$', differences);
  return differences.length === 0;
}

/** A replayed value as a recording would hold it (JSON types only). */
function normalise(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return String(value);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const show = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** Deep equality of JSON values, collecting a readable line per difference. */
function compare(recorded: unknown, replayed: unknown, path: string, out: string[]): void {
  if (out.length >= MAX_DIFFERENCES) return;
  if (Object.is(recorded, replayed)) return;
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(recorded) !== kind(replayed) || typeof recorded !== 'object' || recorded === null) {
    out.push(`${path}: recorded ${show(recorded)}, replayed ${show(replayed)}`);
    return;
  }
  if (Array.isArray(recorded)) {
    const other = replayed as unknown[];
    if (recorded.length !== other.length) out.push(`${path}: recorded ${recorded.length} items, replayed ${other.length}`);
    for (let i = 0; i < Math.min(recorded.length, other.length); i++) compare(recorded[i], other[i], `${path}[${i}]`, out);
    return;
  }
  const a = recorded as Record<string, unknown>;
  const b = replayed as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const child = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    if (!(key in b)) out.push(`${child}: recorded ${show(a[key])}, missing in replay`);
    else if (!(key in a)) out.push(`${child}: not recorded, replayed ${show(b[key])}`);
    else compare(a[key], b[key], child, out);
  }
}
