// A light loopback sink for every system's exporter, run in its own process so that
// its work does not land on the measured one. It answers what each exporter expects
// and counts requests, body bytes and records, so that no figure comes from a system
// that silently delivered nothing.
//   POST /functions/v1/ingest-traces   NorthStar: {"accepted": true}; counts runs/spans/events
//   POST /v1/traces                    OTLP/HTTP JSON: {}; counts spans
//   POST /api/public/otel/v1/traces    Langfuse (OTLP/HTTP JSON): {}; counts spans
//   GET  /info, POST /runs/multipart   LangSmith: server info, 202 {}; counts run creates/updates
//   GET  /__stats, POST /__reset       the bench's own control
// Prints `{"port": N}` on stdout once listening.
import { createServer } from 'node:http';

const fresh = () => ({ requests: 0, bytes: 0, records: 0, runs: 0, spans: 0, events: 0, posts: 0, patches: 0, unexpected: 0 });
let stats = fresh();

const LANGSMITH_PART = /name="(post|patch)\.[0-9a-f-]{36}"/g;

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function countOtlp(json) {
  let spans = 0;
  for (const rs of json.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
  return spans;
}

const server = createServer((req, res) => {
  const chunks = [];
  let bytes = 0;
  req.on('data', (chunk) => {
    chunks.push(chunk);
    bytes += chunk.length;
  });
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/__stats') return send(res, 200, JSON.stringify(stats));
    if (path === '/__reset') {
      stats = fresh();
      return send(res, 200, '{}');
    }
    if (req.method === 'GET' && path === '/info') return send(res, 200, '{"version":"0.0.0-bench"}');
    if (req.method !== 'POST') {
      stats.unexpected++;
      return send(res, 404, '{"error":"not found"}');
    }
    stats.requests++;
    stats.bytes += bytes;
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      if (path === '/functions/v1/ingest-traces') {
        const batch = JSON.parse(body);
        stats.runs += batch.runs.length;
        stats.spans += batch.spans.length;
        stats.events += batch.events.length;
        stats.records += batch.sessions.length + batch.runs.length + batch.spans.length + batch.events.length + batch.scores.length;
        return send(res, 200, '{"accepted":true}');
      }
      if (path === '/v1/traces' || path === '/api/public/otel/v1/traces') {
        const spans = countOtlp(JSON.parse(body));
        stats.spans += spans;
        stats.records += spans;
        return send(res, 200, '{}');
      }
      if (path === '/runs/multipart' || path === '/runs/batch') {
        for (const match of body.matchAll(LANGSMITH_PART)) {
          if (match[1] === 'post') stats.posts++;
          else stats.patches++;
          stats.records++;
        }
        return send(res, 202, '{}');
      }
    } catch (error) {
      stats.unexpected++;
      return send(res, 400, JSON.stringify({ error: String(error) }));
    }
    stats.unexpected++;
    send(res, 404, '{"error":"not found"}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
// The bench closes stdin when it is done; the sink then exits on its own.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
