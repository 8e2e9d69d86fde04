// Two runs side by side: spans aligned by name path and occurrence, with the differences
// in output, tokens, cost and latency.
import { useState } from 'preact/hooks';
import { alignRuns, formatCost, formatCount, formatDuration, json, latencyOf, outputOf, usageOf, type RunView, type TreeNode } from './model.js';

function delta(a: number | undefined, b: number | undefined, format: (n: number) => string): preact.JSX.Element | null {
  if (a === undefined || b === undefined || a === b) return null;
  const d = b - a;
  return <span class={`delta ${d > 0 ? 'up' : 'down'}`}>{d > 0 ? '+' : '−'}{format(Math.abs(d))}</span>;
}

/** Two runs side by side, spans aligned by name path. */
export function ComparePanel({ a, b, onClose }: { a: RunView; b: RunView; onClose: () => void }) {
  const rows = alignRuns(a, b);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const out = (view: RunView, node: TreeNode | undefined) => (node ? outputOf(view.eventsOf.get(node.id)) : undefined);
  return (
    <div class="compare" data-testid="compare-panel">
      <div class="compare-head">
        <h1>Compare</h1>
        <button class="btn" onClick={onClose} data-testid="compare-close">Close</button>
      </div>
      <div class="compare-runs">
        {[a, b].map((v, i) => (
          <div class="compare-run">
            <div class="muted tiny">{i === 0 ? 'A' : 'B'}</div>
            <div class="run-name"><span class={`status-dot ${v.summary.status}`} /> {v.summary.name}</div>
            <div class="muted tiny">{v.summary.id}</div>
            <div class="compare-stats">
              <span>{formatDuration(v.summary.duration_ms)}</span>
              <span>{formatCount(v.summary.input_tokens + v.summary.output_tokens)} tok</span>
              <span>{formatCost(v.summary.cost_usd)}</span>
            </div>
          </div>
        ))}
      </div>
      <table class="compare-table">
        <thead>
          <tr>
            <th>Span</th><th>Latency A</th><th>Latency B</th><th>Tokens A</th><th>Tokens B</th><th>Cost A</th><th>Cost B</th><th>Output</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const la = row.a && latencyOf(row.a);
            const lb = row.b && latencyOf(row.b);
            const ua = row.a ? usageOf(row.a) : {};
            const ub = row.b ? usageOf(row.b) : {};
            const oa = json(out(a, row.a));
            const ob = json(out(b, row.b));
            const missing = !row.a || !row.b;
            const differs = !missing && oa !== ob;
            const statusDiff = !missing && row.a!.record.status !== row.b!.record.status;
            return (
              <>
                <tr class={`${missing ? 'missing' : ''} ${differs || statusDiff ? 'differs' : ''}`} onClick={() => setOpen(open === row.key ? undefined : row.key)} data-testid="compare-row" data-differs={String(differs || missing || statusDiff)}>
                  <td style={{ paddingLeft: `${8 + row.depth * 14}px` }}>{row.name}{missing && <span class="muted tiny"> only in {row.a ? 'A' : 'B'}</span>}</td>
                  <td>{formatDuration(la)}</td>
                  <td>{formatDuration(lb)} {delta(la, lb, formatDuration)}</td>
                  <td>{ua.tokens === undefined ? '—' : formatCount(ua.tokens)}</td>
                  <td>{ub.tokens === undefined ? '—' : formatCount(ub.tokens)} {delta(ua.tokens, ub.tokens, formatCount)}</td>
                  <td>{formatCost(ua.cost)}</td>
                  <td>{formatCost(ub.cost)} {delta(ua.cost, ub.cost, formatCost)}</td>
                  <td>{missing ? '—' : differs ? <span class="diff-mark">differs</span> : statusDiff ? <span class="diff-mark">status</span> : <span class="muted">same</span>}</td>
                </tr>
                {open === row.key && (
                  <tr class="compare-detail">
                    <td colSpan={8}>
                      <div class="side-by-side">
                        <pre class={`raw ${differs ? 'diff-a' : ''}`}>{oa || '(no output)'}</pre>
                        <pre class={`raw ${differs ? 'diff-b' : ''}`}>{ob || '(no output)'}</pre>
                      </div>
                    </td>
                  </tr>
                )}
              </>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
