// Data shapes of the viewer and the pure helpers that turn a run's records into a span
// tree, a conversation and a comparison. No DOM here.

/** A record as the viewer API returns it. */
export type Rec = Record<string, any>;

/** One line of the runs list (src/dev/trace-store.ts RunSummary). */
export interface RunSummary {
  id: string;
  name: string;
  status: string;
  session_id: string;
  started_at: string;
  ended_at?: string;
  duration_ms?: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd?: number;
  tags: string[];
  environment?: string;
  project?: string;
  spans: number;
  events: number;
  errors: number;
  error?: string;
  updated_at: string;
}

/** A run's records in the shape of an ingest batch. */
export interface RunBatch {
  sessions: Rec[];
  runs: Rec[];
  spans: Rec[];
  events: Rec[];
  scores: Rec[];
  prompt_links: Rec[];
}

/** A row of the span tree: the run itself (depth 0) or a span. */
export interface TreeNode {
  id: string;
  record: Rec;
  isRun: boolean;
  depth: number;
  children: TreeNode[];
  start: number;
  end: number | undefined;
}

/** A run, indexed for the detail view. */
export interface RunView {
  summary: RunSummary;
  batch: RunBatch;
  root: TreeNode;
  nodes: Map<string, TreeNode>;
  /** Events by span id; the run's own events under the run id. */
  eventsOf: Map<string, Rec[]>;
  t0: number;
  t1: number;
}

const time = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : NaN);
const byCreated = (a: Rec, b: Rec): number => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0);

/** Builds the tree (children by start time) and the event index of one run. */
export function buildRunView(summary: RunSummary, batch: RunBatch): RunView {
  const run = batch.runs[0]!;
  const t0 = time(run.started_at);
  let t1 = Number.isFinite(time(run.ended_at)) ? time(run.ended_at) : t0;
  const root: TreeNode = { id: run.id, record: run, isRun: true, depth: 0, children: [], start: t0, end: Number.isFinite(time(run.ended_at)) ? time(run.ended_at) : undefined };
  const nodes = new Map<string, TreeNode>([[run.id, root]]);
  for (const span of batch.spans) {
    const end = time(span.ended_at);
    nodes.set(span.id, { id: span.id, record: span, isRun: false, depth: 0, children: [], start: time(span.started_at), end: Number.isFinite(end) ? end : undefined });
    if (Number.isFinite(end)) t1 = Math.max(t1, end);
  }
  for (const node of nodes.values()) {
    if (node.isRun) continue;
    const parent = nodes.get(node.record.parent_span_id) ?? root;
    parent.children.push(node);
  }
  const sortAndDepth = (node: TreeNode, depth: number): void => {
    node.depth = depth;
    node.children.sort((a, b) => a.start - b.start);
    for (const child of node.children) sortAndDepth(child, depth + 1);
  };
  // Iterative would be safer for absurd depths; spans nest a few dozen levels at most.
  sortAndDepth(root, 0);
  const eventsOf = new Map<string, Rec[]>();
  for (const event of batch.events) {
    const key = event.span_id ?? run.id;
    let list = eventsOf.get(key);
    if (!list) eventsOf.set(key, (list = []));
    list.push(event);
  }
  for (const list of eventsOf.values()) list.sort(byCreated);
  return { summary, batch, root, nodes, eventsOf, t0, t1: Math.max(t1, t0 + 1) };
}

/** The visible rows of the tree, depth first, skipping collapsed subtrees. */
export function flattenTree(root: TreeNode, collapsed: ReadonlySet<string>): TreeNode[] {
  const rows: TreeNode[] = [];
  const stack: TreeNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    rows.push(node);
    if (collapsed.has(node.id)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return rows;
}

/** A message of a model conversation. */
export interface Message {
  role: 'system' | 'user' | 'assistant' | 'tool-call' | 'tool' | 'reasoning' | 'other';
  content: unknown;
  name?: string;
  toolCallId?: string;
  event: Rec;
}

const ROLES: Record<string, Message['role']> = {
  system_message: 'system',
  user_input: 'user',
  assistant_message: 'assistant',
  tool_arguments: 'tool-call',
  tool_result: 'tool',
  reasoning: 'reasoning',
};

/** The events of a model span as a conversation, in the order they were recorded. */
export function conversation(events: readonly Rec[]): Message[] {
  return events
    .filter((e) => e.type !== 'custom')
    .map((e) => {
      const a = e.attributes ?? {};
      const c = e.content;
      return {
        role: ROLES[e.type] ?? 'other',
        content: e.type === 'tool_arguments' && c && typeof c === 'object' && 'arguments' in c ? c.arguments : c,
        name: a.name ?? (c && typeof c === 'object' ? c.name : undefined),
        toolCallId: a.tool_call_id ?? (c && typeof c === 'object' ? c.id : undefined),
        event: e,
      };
    });
}

/** What a span (or run) produced: its last result, final response or assistant message. */
export function outputOf(events: readonly Rec[] | undefined): unknown {
  if (!events) return undefined;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'tool_result' || e.type === 'final_response' || e.type === 'assistant_message') return e.content;
  }
  // A model answer made only of tool calls.
  const calls = events.filter((e) => e.type === 'tool_arguments').map((e) => e.content);
  return calls.length > 0 ? { tool_calls: calls } : undefined;
}

/** Latency of a span or run in ms, from `latency_ms` or its timestamps. */
export function latencyOf(node: TreeNode): number | undefined {
  const a = node.isRun ? node.record.metadata : node.record.attributes;
  if (a && typeof a.latency_ms === 'number') return a.latency_ms;
  return node.end !== undefined ? node.end - node.start : undefined;
}

/** Tokens and cost of one span (its attributes). */
export function usageOf(node: TreeNode): { tokens?: number; cost?: number } {
  const a = (node.isRun ? node.record.metadata : node.record.attributes) ?? {};
  const tokens = node.isRun
    ? (a.total_input_tokens ?? 0) + (a.total_output_tokens ?? 0) || undefined
    : typeof a.total_tokens === 'number' && a.total_tokens > 0
      ? a.total_tokens
      : typeof a.input_tokens === 'number' || typeof a.output_tokens === 'number'
        ? (a.input_tokens ?? 0) + (a.output_tokens ?? 0)
        : undefined;
  return { tokens, cost: typeof a.cost_usd === 'number' ? a.cost_usd : undefined };
}

/** One aligned line of a comparison: the n-th span of a name in each run. */
export interface CompareRow {
  key: string;
  name: string;
  depth: number;
  a?: TreeNode;
  b?: TreeNode;
}

/** Aligns the spans of two runs by name path and occurrence (`agent/draft-answer #2`). */
export function alignRuns(a: RunView, b: RunView): CompareRow[] {
  const keyed = (view: RunView): Array<[string, TreeNode]> => {
    const seen = new Map<string, number>();
    const out: Array<[string, TreeNode]> = [];
    const walk = (node: TreeNode, path: string): void => {
      const base = node.isRun ? '(run)' : `${path}/${node.record.name}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      out.push([`${base}#${n}`, node]);
      for (const child of node.children) walk(child, node.isRun ? '' : base);
    };
    walk(view.root, '');
    return out;
  };
  const left = keyed(a);
  const right = new Map(keyed(b));
  const rows: CompareRow[] = [];
  const used = new Set<string>();
  for (const [key, node] of left) {
    const other = right.get(key);
    if (other) used.add(key);
    rows.push({ key, name: node.isRun ? 'run' : node.record.name, depth: node.depth, a: node, ...(other ? { b: other } : {}) });
  }
  for (const [key, node] of right) {
    if (!used.has(key)) rows.push({ key, name: node.record.name, depth: node.depth, b: node });
  }
  return rows;
}

/** Stable JSON for equality checks and display. */
export const json = (value: unknown, indent = 2): string => {
  if (value === undefined) return '';
  try {
    return typeof value === 'string' ? value : JSON.stringify(value, null, indent);
  } catch {
    return String(value);
  }
};

/** `36 ms`, `1.24 s`, `2 min 3 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `$0.0123`, with enough digits for sub-cent model calls. */
export function formatCost(usd: number | undefined): string {
  if (usd === undefined) return '—';
  if (usd === 0) return '$0';
  return usd >= 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toPrecision(2)}`;
}

/** `1,234`. */
export const formatCount = (n: number | undefined): string => (n === undefined ? '—' : n.toLocaleString('en-US'));

/** `14:02:27` today, `Dec 1 14:02` otherwise. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  const hms = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === now.toDateString() ? hms : `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })} ${hms.slice(0, 5)}`;
}
