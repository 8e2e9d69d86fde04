// One run: a header with its totals, the span tree with a waterfall of durations, and
// the selected span's details (a model span's conversation, inputs, outputs, events).
import { useMemo, useState } from 'preact/hooks';
import { conversation, flattenTree, formatCost, formatCount, formatDuration, formatTime, json, latencyOf, usageOf, type Message, type Rec, type RunView, type TreeNode } from './model.js';
import { VirtualList } from './virtual-list.js';

const TREE_ROW = 30;
const KIND_LABEL: Record<string, string> = { agent: 'AGT', workflow: 'WF', model: 'LLM', tool: 'TOOL', custom: 'SPAN', run: 'RUN' };

/** One run: header with totals, span tree with waterfall, and the selected span's details. */
export function RunDetail({ view, onCompare }: { view: RunView; onCompare: () => void }) {
  const { summary } = view;
  const [collapsed, setCollapsed] = useState<Set<string>>(() => {
    // Very large runs open with their deeper levels folded.
    const set = new Set<string>();
    if (view.nodes.size > 300) for (const node of view.nodes.values()) if (node.depth >= 2 && node.children.length > 0) set.add(node.id);
    return set;
  });
  const [selectedSpan, setSelectedSpan] = useState<string>(() => {
    // Open on the first model span, else the run itself.
    for (const node of flattenTree(view.root, new Set())) if (node.record.kind === 'model') return node.id;
    return view.root.id;
  });
  const rows = useMemo(() => flattenTree(view.root, collapsed), [view, collapsed]);
  const node = view.nodes.get(selectedSpan) ?? view.root;
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  const total = view.t1 - view.t0;
  const run = view.root.record;

  return (
    <div class="run-detail" data-testid="run-detail">
      <div class="run-header">
        <div class="run-title">
          <span class={`badge status ${summary.status}`}>{summary.status}</span>
          <h1>{summary.name}</h1>
          <span class="muted">{formatTime(summary.started_at)}</span>
        </div>
        <div class="stats">
          <Stat label="Duration" value={summary.status === 'running' ? 'running…' : formatDuration(summary.duration_ms)} />
          <Stat label="Tokens" value={`${formatCount(summary.input_tokens)} in · ${formatCount(summary.output_tokens)} out`} />
          <Stat label="Cost" value={formatCost(summary.cost_usd)} />
          <Stat label="Spans" value={formatCount(summary.spans)} />
          <Stat label="Events" value={formatCount(summary.events)} />
          <Stat label="Session" value={summary.session_id.slice(0, 8)} />
        </div>
        <div class="run-actions">
          {summary.tags.map((t) => <span class="tag">{t}</span>)}
          <span class="spacer" />
          <a class="btn" href={`/api/runs/${summary.id}/export`} download data-testid="export">Export JSON</a>
          <button class="btn" onClick={onCompare} data-testid="compare">Compare…</button>
        </div>
        {run.error && (
          <div class="error-box" data-testid="run-error">
            <b>{run.error.type}</b>: {run.error.message}
          </div>
        )}
      </div>
      <div class="run-body">
        <div class="tree-pane">
          <div class="tree-head">
            <span>Span</span>
            <span class="wf-scale"><span>0</span><span>{formatDuration(total / 2)}</span><span>{formatDuration(total)}</span></span>
          </div>
          <VirtualList
            items={rows}
            rowHeight={TREE_ROW}
            keyOf={(n) => n.id}
            testId="span-tree"
            render={(n) => (
              <TreeRow node={n} view={view} selected={n.id === node.id} collapsed={collapsed.has(n.id)} onToggle={() => toggle(n.id)} onSelect={() => setSelectedSpan(n.id)} />
            )}
          />
        </div>
        <SpanPanel key={node.id} node={node} view={view} />
      </div>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}

function TreeRow({ node, view, selected, collapsed, onToggle, onSelect }: {
  node: TreeNode; view: RunView; selected: boolean; collapsed: boolean; onToggle: () => void; onSelect: () => void;
}) {
  const r = node.record;
  const kind = node.isRun ? 'run' : r.kind;
  const total = view.t1 - view.t0;
  const left = ((node.start - view.t0) / total) * 100;
  const end = node.end ?? view.t1;
  const width = Math.max(0.4, ((end - node.start) / total) * 100);
  const latency = latencyOf(node);
  const { tokens } = usageOf(node);
  const error = r.status === 'error';
  // The duration goes after the bar, before it when the bar reaches the right edge, or inside a full-width bar.
  const right = Math.min(left + width, 100);
  const labelAt = right <= 80 ? 'after' : left >= 15 ? 'before' : 'inside';
  const labelStyle =
    labelAt === 'after' ? { left: `${right}%` } : labelAt === 'before' ? { right: `${100 - left}%` } : { right: `${100 - right}%` };
  return (
    <div class={`tree-row ${selected ? 'selected' : ''} ${error ? 'is-error' : ''}`} onClick={onSelect} data-testid="span-row" data-span-name={r.name} data-kind={kind}>
      <div class="tree-label" style={{ paddingLeft: `${8 + node.depth * 16}px` }}>
        {node.children.length > 0 ? (
          <span class="caret" onClick={(e) => { e.stopPropagation(); onToggle(); }}>{collapsed ? '▸' : '▾'}</span>
        ) : (
          <span class="caret" />
        )}
        <span class={`kind kind-${kind}`}>{KIND_LABEL[kind] ?? kind}</span>
        <span class="span-name">{r.name}</span>
        {error && <span class="err-mark" title={r.error ? `${r.error.type}: ${r.error.message}` : 'error'}>!</span>}
        {tokens !== undefined && !node.isRun && <span class="muted tiny">{formatCount(tokens)} tok</span>}
      </div>
      <div class="waterfall">
        <div class={`bar bar-${kind} ${error ? 'bar-error' : ''} ${node.end === undefined ? 'bar-open' : ''}`} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
        <span class={`bar-label ${labelAt === 'inside' ? 'inside' : ''}`} style={labelStyle}>{formatDuration(latency)}</span>
      </div>
    </div>
  );
}

const PAGE = 100;

function SpanPanel({ node, view }: { node: TreeNode; view: RunView }) {
  const r = node.record;
  const events = view.eventsOf.get(node.id) ?? [];
  const [raw, setRaw] = useState(false);
  const [shown, setShown] = useState(PAGE);
  const isModel = !node.isRun && r.kind === 'model';
  const attrs: Rec = (node.isRun ? r.metadata : r.attributes) ?? {};
  const scores = node.isRun ? view.batch.scores : view.batch.scores.filter((s) => s.span_id === node.id);
  const { tokens, cost } = usageOf(node);
  return (
    <div class="span-panel" data-testid="span-panel">
      <div class="span-head">
        <div>
          <div class="muted tiny">{node.isRun ? 'run' : r.kind}{attrs.model ? ` · ${attrs.model}` : ''}</div>
          <h2>{r.name}</h2>
        </div>
        <label class="toggle"><input type="checkbox" checked={raw} onChange={() => setRaw(!raw)} data-testid="raw-toggle" /> Raw JSON</label>
      </div>
      <div class="chips">
        <span class={`badge status ${r.status}`}>{r.status}</span>
        <span class="chip">{formatDuration(latencyOf(node))}</span>
        {tokens !== undefined && <span class="chip">{formatCount(tokens)} tokens</span>}
        {cost !== undefined && <span class="chip">{formatCost(cost)}</span>}
        {typeof r.iteration === 'number' && <span class="chip">iteration {r.iteration}</span>}
      </div>
      {r.error && (
        <div class="error-box" data-testid="span-error">
          <b>{r.error.type}</b>: {r.error.message}
          {r.error.module && <div class="muted tiny">in {r.error.module}</div>}
        </div>
      )}
      {raw ? (
        <pre class="raw" data-testid="raw-json">{json({ record: r, events: events.slice(0, 500), ...(events.length > 500 ? { more_events: events.length - 500 } : {}) })}</pre>
      ) : (
        <>
          {isModel ? <Conversation messages={conversation(events)} /> : <EventList events={events.slice(0, shown)} />}
          {!isModel && events.length > shown && (
            <button class="btn more" onClick={() => setShown(shown + PAGE * 5)}>Show {Math.min(PAGE * 5, events.length - shown)} more of {events.length - shown} events</button>
          )}
          {scores.length > 0 && (
            <Section title="Scores">
              {scores.map((s) => (
                <div class="kv"><span>{s.name}</span><span>{s.data_type === 'categorical' ? s.string_value : s.data_type === 'boolean' ? (s.value ? 'true' : 'false') : s.value}{s.comment ? ` — ${s.comment}` : ''}</span></div>
              ))}
            </Section>
          )}
          <Section title={node.isRun ? 'Metadata' : 'Attributes'}>
            <Attributes attrs={attrs} />
          </Section>
        </>
      )}
    </div>
  );
}

function Section({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <div class="section">
      <div class="section-title">{title}</div>
      {children}
    </div>
  );
}

function Attributes({ attrs }: { attrs: Rec }) {
  const entries = Object.entries(attrs);
  if (entries.length === 0) return <div class="muted tiny">none</div>;
  return (
    <div class="kv-list">
      {entries.map(([k, v]) => (
        <div class="kv"><span class="k">{k}</span><span class="v">{typeof v === 'object' ? <code>{json(v, 0)}</code> : String(v)}</span></div>
      ))}
    </div>
  );
}

const EVENT_LABEL: Record<string, string> = {
  user_input: 'Input', final_response: 'Output', tool_arguments: 'Arguments', tool_result: 'Result',
  system_message: 'System', assistant_message: 'Assistant', reasoning: 'Reasoning', custom: 'Event',
};

function EventList({ events }: { events: readonly Rec[] }) {
  if (events.length === 0) return <div class="muted tiny section">No events.</div>;
  return (
    <div class="events">
      {events.map((e) => {
        const a = e.attributes ?? {};
        const custom = e.type === 'custom' && e.content && typeof e.content === 'object';
        const label = custom ? `${a.northstar_type === 'metric' ? 'Metric' : 'Event'} · ${e.content.name}` : EVENT_LABEL[e.type] ?? e.type;
        const body = custom ? (a.northstar_type === 'metric' ? e.content.value : e.content.data) : e.content;
        return (
          <div class={`event event-${e.type}`}>
            <div class="event-head"><span>{label}</span><span class="muted tiny">{formatTime(e.created_at)}</span></div>
            <Content value={body} />
          </div>
        );
      })}
    </div>
  );
}

/** A value: strings as text, everything else as indented JSON; long ones folded. */
function Content({ value }: { value: unknown }) {
  const text = json(value);
  const [open, setOpen] = useState(text.length < 1500);
  if (text === '') return <div class="muted tiny">(empty)</div>;
  return (
    <div class={`content ${typeof value === 'string' ? 'text' : 'code'}`}>
      <pre>{open ? text : `${text.slice(0, 1200)}…`}</pre>
      {!open && <button class="link" onClick={() => setOpen(true)}>show all {formatCount(text.length)} characters</button>}
    </div>
  );
}

const ROLE_LABEL: Record<Message['role'], string> = {
  system: 'System', user: 'User', assistant: 'Assistant', 'tool-call': 'Tool call', tool: 'Tool result', reasoning: 'Reasoning', other: 'Message',
};
const HEAD = 2;
const TAIL = 6;

function Conversation({ messages }: { messages: Message[] }) {
  const [expanded, setExpanded] = useState(false);
  if (messages.length === 0) return <div class="muted tiny section">No messages recorded.</div>;
  const folded = !expanded && messages.length > HEAD + TAIL + 1;
  const visible = folded ? [...messages.slice(0, HEAD), undefined, ...messages.slice(-TAIL)] : messages;
  return (
    <div class="conversation" data-testid="conversation">
      {visible.map((m) =>
        m === undefined ? (
          <button class="btn fold" onClick={() => setExpanded(true)} data-testid="show-history">Show {messages.length - HEAD - TAIL} earlier messages</button>
        ) : (
          <div class={`msg role-${m.role}`} data-role={m.role}>
            <div class="msg-head">
              <span class="role">{ROLE_LABEL[m.role]}</span>
              {m.name && <span class="tool-name">{m.name}</span>}
              {m.toolCallId && <span class="muted tiny">{m.toolCallId}</span>}
            </div>
            <Content value={m.content} />
          </div>
        ),
      )}
    </div>
  );
}
