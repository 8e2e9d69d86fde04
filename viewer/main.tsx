// The NorthStar local viewer: runs list (live over server-sent events), one run as a span
// tree with a waterfall, a model span's conversation, compare, export/import and the
// batches the collector refused. Built by scripts/build.mjs into dist/viewer/.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { RunDetail } from './run-detail.js';
import { ComparePanel } from './compare.js';
import { RejectedPanel, type Rejection } from './rejected.js';
import { buildRunView, formatCost, formatCount, formatDuration, formatTime, type RunBatch, type RunSummary, type RunView } from './model.js';
import { VirtualList } from './virtual-list.js';

const RUN_ROW = 58;

type Row = { kind: 'run'; run: RunSummary } | { kind: 'session'; id: string; count: number; started: string };

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function loadRun(id: string): Promise<RunView> {
  const body = await getJson<{ summary: RunSummary; batch: RunBatch }>(`/api/runs/${id}`);
  return buildRunView(body.summary, body.batch);
}

const byNewest = (a: RunSummary, b: RunSummary): number => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0);

function App() {
  const [runs, setRuns] = useState<Map<string, RunSummary>>(new Map());
  const [connected, setConnected] = useState(false);
  const [paused, setPaused] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const queue = useRef<Array<{ runs: RunSummary[]; removed: string[] }>>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [view, setView] = useState<RunView | undefined>(undefined);
  const [compareWith, setCompareWith] = useState<string | undefined>(undefined);
  const [picking, setPicking] = useState(false);
  const [compareView, setCompareView] = useState<RunView | undefined>(undefined);
  const [rejected, setRejected] = useState<Rejection[]>([]);
  const [showRejected, setShowRejected] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const [search, setSearch] = useState('');
  const [searchHits, setSearchHits] = useState<Set<string> | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [tag, setTag] = useState('');
  const [name, setName] = useState('');
  const [grouped, setGrouped] = useState(false);
  const [version, setVersion] = useState(0); // bumps when the selected run changed on the server

  const apply = (update: { runs: RunSummary[]; removed: string[] }) => {
    setRuns((old) => {
      const next = new Map(old);
      for (const id of update.removed) next.delete(id);
      for (const run of update.runs) next.set(run.id, run);
      return next;
    });
    setVersion((v) => v + 1);
  };

  useEffect(() => {
    getJson<{ runs: RunSummary[] }>('/api/runs').then((body) => setRuns(new Map(body.runs.map((r) => [r.id, r]))));
    getJson<{ rejected: Rejection[] }>('/api/rejected').then((body) => setRejected(body.rejected));
    const source = new EventSource('/api/stream');
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener('runs', (e) => {
      const update = JSON.parse((e as MessageEvent<string>).data) as { runs: RunSummary[]; removed: string[] };
      if (pausedRef.current) {
        queue.current.push(update);
        setWaiting((n) => n + update.runs.length);
      } else apply(update);
    });
    source.addEventListener('rejected', (e) => {
      const rejection = JSON.parse((e as MessageEvent<string>).data) as Rejection;
      setRejected((old) => [rejection, ...old].slice(0, 200));
    });
    return () => source.close();
  }, []);

  useEffect(() => {
    if (paused) return;
    for (const update of queue.current) apply(update);
    queue.current = [];
    setWaiting(0);
  }, [paused]);

  // Text search runs on the server (it reads every record of every run).
  useEffect(() => {
    const q = search.trim();
    if (q === '') {
      setSearchHits(undefined);
      return;
    }
    const timer = setTimeout(() => {
      getJson<{ ids: string[] }>(`/api/search?q=${encodeURIComponent(q)}`).then((body) => setSearchHits(new Set(body.ids)));
    }, 200);
    return () => clearTimeout(timer);
  }, [search, version]);

  const selectedSummary = selected ? runs.get(selected) : undefined;
  useEffect(() => {
    if (!selected) {
      setView(undefined);
      return;
    }
    let live = true;
    loadRun(selected).then((v) => live && setView(v), () => live && setView(undefined));
    return () => {
      live = false;
    };
  }, [selected, selectedSummary?.updated_at]);

  useEffect(() => {
    if (!compareWith) {
      setCompareView(undefined);
      return;
    }
    loadRun(compareWith).then(setCompareView, () => setCompareView(undefined));
  }, [compareWith, runs.get(compareWith ?? '')?.updated_at]);

  const all = useMemo(() => [...runs.values()].sort(byNewest), [runs]);
  const names = useMemo(() => [...new Set(all.map((r) => r.name))].sort(), [all]);
  const tags = useMemo(() => [...new Set(all.flatMap((r) => r.tags))].sort(), [all]);
  const filtered = useMemo(
    () =>
      all.filter(
        (r) =>
          (!status || r.status === status) &&
          (!tag || r.tags.includes(tag)) &&
          (!name || r.name === name) &&
          (!searchHits || searchHits.has(r.id)),
      ),
    [all, status, tag, name, searchHits],
  );
  const rows = useMemo<Row[]>(() => {
    if (!grouped) return filtered.map((run) => ({ kind: 'run', run }));
    const sessions = new Map<string, RunSummary[]>();
    for (const run of filtered) {
      const list = sessions.get(run.session_id) ?? [];
      list.push(run);
      sessions.set(run.session_id, list);
    }
    return [...sessions.entries()].flatMap(([id, list]) => [
      { kind: 'session' as const, id, count: list.length, started: list[list.length - 1]!.started_at },
      ...list.map((run) => ({ kind: 'run' as const, run })),
    ]);
  }, [filtered, grouped]);

  const pick = (id: string) => {
    if (picking && selected && id !== selected) {
      setCompareWith(id);
      setPicking(false);
      return;
    }
    setSelected(id);
  };

  const importFile = async (file: File) => {
    try {
      const response = await fetch('/api/import', { method: 'POST', headers: { 'content-type': 'application/json' }, body: await file.text() });
      const body = (await response.json()) as { runs?: string[]; error?: string };
      if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
      setNotice(`Imported ${file.name}`);
      if (body.runs?.[0]) setSelected(body.runs[0]);
    } catch (error) {
      setNotice(`Import refused: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const filtersOn = Boolean(status || tag || name || search);
  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">✦</span> NorthStar <span class="muted">local viewer</span>
        </div>
        <div class="topbar-actions">
          <span class={`live ${connected ? (paused ? 'paused' : 'on') : 'off'}`} data-testid="live-state">
            <span class="dot" /> {connected ? (paused ? `Paused${waiting ? ` · ${waiting} new` : ''}` : 'Live') : 'Disconnected'}
          </span>
          <button class="btn" onClick={() => setPaused(!paused)} data-testid="pause" aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <label class="btn">
            Import
            <input type="file" accept="application/json,.json" hidden data-testid="import" onChange={(e) => {
              const file = (e.currentTarget as HTMLInputElement).files?.[0];
              if (file) void importFile(file);
              (e.currentTarget as HTMLInputElement).value = '';
            }} />
          </label>
          <button class={`btn ${rejected.length ? 'btn-danger' : ''}`} onClick={() => setShowRejected(!showRejected)} data-testid="rejected-toggle">
            Rejected batches <span class="count">{rejected.length}</span>
          </button>
        </div>
      </header>
      {notice && (
        <div class="notice" onClick={() => setNotice(undefined)}>
          {notice} <span class="muted">(click to dismiss)</span>
        </div>
      )}
      {picking && <div class="notice pick">Pick a run in the list to compare with <b>{view?.summary.name}</b> · <a href="#" onClick={(e) => { e.preventDefault(); setPicking(false); }}>cancel</a></div>}
      <div class="main">
        <aside class="runs-panel">
          <div class="filters">
            <input class="search" type="search" placeholder="Search runs, inputs, outputs…" value={search} onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} data-testid="search" />
            <div class="filter-row">
              <select value={name} onChange={(e) => setName((e.currentTarget as HTMLSelectElement).value)} data-testid="filter-name" aria-label="Name">
                <option value="">All names</option>
                {names.map((n) => <option value={n}>{n}</option>)}
              </select>
              <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)} data-testid="filter-status" aria-label="Status">
                <option value="">Any status</option>
                <option value="ok">ok</option>
                <option value="error">error</option>
                <option value="running">running</option>
              </select>
              <select value={tag} onChange={(e) => setTag((e.currentTarget as HTMLSelectElement).value)} data-testid="filter-tag" aria-label="Tag">
                <option value="">Any tag</option>
                {tags.map((t) => <option value={t}>{t}</option>)}
              </select>
            </div>
            <div class="filter-row small">
              <span class="muted" data-testid="run-count">{filtered.length === all.length ? `${all.length} run${all.length === 1 ? '' : 's'}` : `${filtered.length} of ${all.length} runs`}</span>
              {filtersOn && <a href="#" onClick={(e) => { e.preventDefault(); setSearch(''); setStatus(''); setTag(''); setName(''); }}>clear filters</a>}
              <label class="toggle"><input type="checkbox" checked={grouped} onChange={() => setGrouped(!grouped)} data-testid="group-sessions" /> by session</label>
            </div>
          </div>
          {all.length === 0 ? (
            <div class="empty">
              <p><b>No runs yet.</b></p>
              <p>Run your agent with</p>
              <pre>NORTHSTAR_DEV=1 node your-agent.js</pre>
              <p class="muted">Runs appear here as they arrive.</p>
            </div>
          ) : (
            <VirtualList
              items={rows}
              rowHeight={RUN_ROW}
              keyOf={(row) => (row.kind === 'run' ? row.run.id : `s:${row.id}`)}
              testId="runs"
              render={(row) =>
                row.kind === 'session' ? (
                  <div class="session-row">
                    <span>Session <code>{row.id.slice(0, 8)}</code></span>
                    <span class="muted">{row.count} run{row.count === 1 ? '' : 's'} · since {formatTime(row.started)}</span>
                  </div>
                ) : (
                  <RunRow run={row.run} selected={row.run.id === selected} compared={row.run.id === compareWith} onClick={() => pick(row.run.id)} />
                )
              }
            />
          )}
        </aside>
        <section class="detail">
          {compareWith && view && compareView ? (
            <ComparePanel a={view} b={compareView} onClose={() => setCompareWith(undefined)} />
          ) : view ? (
            <RunDetail
              key={view.summary.id}
              view={view}
              onCompare={() => setPicking(true)}
            />
          ) : (
            <div class="placeholder">
              <div>
                <h2>Select a run</h2>
                <p class="muted">Its spans appear as a tree with a timeline; a model span shows the conversation.</p>
              </div>
            </div>
          )}
        </section>
      </div>
      {showRejected && <RejectedPanel rejected={rejected} onClose={() => setShowRejected(false)} />}
    </div>
  );
}

function RunRow({ run, selected, compared, onClick }: { run: RunSummary; selected: boolean; compared: boolean; onClick: () => void }) {
  const tokens = run.input_tokens + run.output_tokens;
  return (
    <button class={`run-row ${selected ? 'selected' : ''} ${compared ? 'compared' : ''} status-${run.status}`} onClick={onClick} data-testid="run-row" data-run-id={run.id} data-run-name={run.name}>
      <div class="run-line1">
        <span class={`status-dot ${run.status}`} title={run.status} />
        <span class="run-name">{run.name}</span>
        <span class="run-time muted">{formatTime(run.started_at)}</span>
      </div>
      <div class="run-line2 muted">
        <span>{run.status === 'running' ? 'running…' : formatDuration(run.duration_ms)}</span>
        {tokens > 0 && <span>{formatCount(tokens)} tok</span>}
        {run.cost_usd !== undefined && <span>{formatCost(run.cost_usd)}</span>}
        <span>{run.spans} span{run.spans === 1 ? "" : "s"}</span>
        {run.tags.slice(0, 3).map((t) => <span class="tag">{t}</span>)}
        {run.error && <span class="err-text" title={run.error}>{run.error}</span>}
      </div>
    </button>
  );
}

render(<App />, document.getElementById('app')!);
