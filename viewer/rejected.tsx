// The batches the collector refused, with the reason the hosted server would give: the
// same batch would be lost in production.
import { formatTime } from './model.js';

/** One refused request (src/dev/dev-server.ts Rejection). */
export interface Rejection {
  at: string;
  status: number;
  error: string;
  counts?: Record<string, number>;
  excerpt: string;
}

const SINGULAR: Record<string, string> = { sessions: 'session', runs: 'run', spans: 'span', events: 'event', scores: 'score', prompt_links: 'prompt link' };

/** The drawer listing refused batches, newest first. */
export function RejectedPanel({ rejected, onClose }: { rejected: Rejection[]; onClose: () => void }) {
  return (
    <div class="drawer" data-testid="rejected-panel">
      <div class="drawer-head">
        <h2>Rejected batches</h2>
        <button class="btn" onClick={onClose}>Close</button>
      </div>
      <p class="muted">Requests the collector refused, with the reason. The hosted NorthStar server refuses the same batches: in production their records would be lost.</p>
      {rejected.length === 0 ? (
        <p>None so far.</p>
      ) : (
        rejected.map((r) => (
          <div class="rejection" data-testid="rejection">
            <div class="rejection-head">
              <span class="badge status error">HTTP {r.status}</span>
              <span class="muted tiny">{formatTime(r.at)}</span>
              {r.counts && <span class="muted tiny">{Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${n === 1 ? SINGULAR[k] ?? k : k}`).join(', ')}</span>}
            </div>
            <div class="rejection-reason">{r.error}</div>
            {r.excerpt && (
              <details>
                <summary>request body (start)</summary>
                <pre class="raw">{r.excerpt}</pre>
              </details>
            )}
          </div>
        ))
      )}
    </div>
  );
}
