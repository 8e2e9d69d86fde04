// `npm run bench`: northstar-ai side by side with OpenTelemetry and LangSmith on one
// agent workload (see bench/README.md). Each system runs in its own child process,
// runs are interleaved, figures are medians of the repetitions.
//   node bench/run.mjs [--quick] [--reps N] [--calls N] [--only name,name] [--no-write]
// Then, with default options: the burst (5,000 calls, no event-loop turns) and the heap over time.
// Writes bench/results/latest.json and bench/results/latest.md, prints the table.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const quick = flag('--quick');
const reps = Number(value('--reps', quick ? 1 : 3));
const calls = Number(value('--calls', quick ? 5_000 : 20_000));
const soakCalls = quick ? 50_000 : 200_000;
const warmup = quick ? 1_000 : 2_000;
const only = value('--only', '')?.split(',').filter(Boolean) ?? [];

// 1. Build: the SDK and the TypeScript systems, compiled by the TypeScript compiler
// (decorator metadata) into bench/.build, so that a concurrent `npm run build` (which
// empties dist/) cannot pull the package out from under a run.
const hasDecorators = existsSync(join(root, 'decorators/index.ts'));
const tsconfig = hasDecorators ? 'bench/tsconfig.decorators.json' : 'bench/tsconfig.json';
rmSync(join(here, '.build'), { recursive: true, force: true });
try {
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', tsconfig], { cwd: root, stdio: 'inherit' });
} catch {
  // tsc still emits on type errors; a missing output is caught when a system loads.
  console.error(`bench: tsc reported errors for ${tsconfig}; continuing with what was emitted`);
}

// 2. The systems. `baseline` names the system whose time is subtracted for the overhead.
const systems = [
  { name: 'baseline', module: 'systems/baseline.mjs', label: 'baseline (no tracing)' },
  { name: 'baseline-class', module: '.build/bench/systems/baseline-class.js', label: 'baseline, class (no tracing)' },
  { name: 'ns-fn-disabled', module: 'systems/northstar-fn.mjs', options: { mode: 'disabled' }, baseline: 'baseline', label: 'northstar-ai fn API, disabled' },
  { name: 'ns-fn-unsampled', module: 'systems/northstar-fn.mjs', options: { mode: 'unsampled' }, baseline: 'baseline', label: 'northstar-ai fn API, enabled, sampleRate 0' },
  { name: 'ns-fn-nocapture', module: 'systems/northstar-fn.mjs', options: { mode: 'nocapture' }, baseline: 'baseline', label: 'northstar-ai fn API, capture off', ours: true },
  { name: 'ns-fn-capture', module: 'systems/northstar-fn.mjs', options: { mode: 'capture' }, baseline: 'baseline', label: 'northstar-ai fn API, capture on', ours: true, soak: true, burst: true },
  ...(hasDecorators
    ? [
        { name: 'ns-dec-disabled', module: '.build/bench/systems/northstar-decorators.js', options: { mode: 'disabled' }, baseline: 'baseline-class', label: 'northstar-ai decorators, disabled' },
        { name: 'ns-dec-nocapture', module: '.build/bench/systems/northstar-decorators.js', options: { mode: 'nocapture' }, baseline: 'baseline-class', label: 'northstar-ai decorators, capture off', ours: true },
        { name: 'ns-dec-capture', module: '.build/bench/systems/northstar-decorators.js', options: { mode: 'capture' }, baseline: 'baseline-class', label: 'northstar-ai decorators, capture on', ours: true, soak: true, burst: true },
      ]
    : []),
  { name: 'otel-discard', module: 'systems/opentelemetry.mjs', options: { exporter: 'discard' }, baseline: 'baseline', label: 'OpenTelemetry, BatchSpanProcessor, discarding exporter', anchor: true },
  { name: 'otel-otlp', module: 'systems/opentelemetry.mjs', options: { exporter: 'otlp' }, baseline: 'baseline', label: 'OpenTelemetry, OTLP/HTTP JSON exporter', anchor: true, soak: true },
  { name: 'langfuse', module: 'systems/langfuse.mjs', baseline: 'baseline', label: 'Langfuse JS v5 observe() + LangfuseSpanProcessor', anchor: true },
  { name: 'langsmith', module: 'systems/langsmith.mjs', baseline: 'baseline', label: 'LangSmith traceable, tracing on', anchor: true },
].filter((s) => only.length === 0 || only.includes(s.name) || s.name.startsWith('baseline'));

// 3. The sink, in its own process.
const sinkProcess = spawn(process.execPath, [join(here, 'sink.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  let text = '';
  sinkProcess.stdout.on('data', (chunk) => {
    text += chunk;
    if (text.includes('\n')) resolve(JSON.parse(text).port);
  });
  sinkProcess.on('exit', (code) => reject(new Error(`sink exited with ${code}`)));
});
const sinkUrl = `http://127.0.0.1:${port}`;
const childEnv = { ...process.env };
for (const key of Object.keys(childEnv)) if (key.startsWith('NORTHSTAR_') || key.startsWith('LANGSMITH_') || key.startsWith('LANGCHAIN_') || key.startsWith('OTEL_')) delete childEnv[key];
Object.assign(childEnv, { LANGSMITH_TRACING: 'true', LANGSMITH_ENDPOINT: sinkUrl, LANGSMITH_API_KEY: 'bench-dummy-key' });

// In the timed runs every queue is sized to hold a whole run, so that no system drops
// records and "delivered" compares like with like; the soak runs keep the defaults.
/** Systems that record nothing: the tight-loop A/B against the untraced twin, nothing at the sink. */
const silent = (system) => system.name.endsWith('disabled') || system.name.endsWith('unsampled');

function holdRun(system, count) {
  if (system.name.startsWith('ns-') && !silent(system)) return { init: { maxQueueSize: count * 12 + 1000 } };
  if (system.name.startsWith('otel-')) return { maxQueueSize: count * 4 + 2048 };
  return {};
}

function measure(system, options, sized = true) {
  const config = { name: system.name, module: system.module, options: { ...system.options, ...(sized ? holdRun(system, options.calls + warmup) : {}) }, sinkUrl, warmup, tightCalls: silent(system) ? calls * 5 : 0, ...options };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(here, 'child.mjs'), JSON.stringify(config)], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) return reject(new Error(`${system.name} failed (exit ${code}):\n${err.slice(-2000)}`));
      if (err.trim()) process.stderr.write(`[${system.name}] ${err.slice(0, 500)}\n`);
      resolve(JSON.parse(line));
    });
  });
}

const median = (values) => {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// 4. Interleaved repetitions: every system once per round, so drift hits all alike.
// The tight-loop A/B of the silent systems varies more between processes (what the JIT
// decided) than between its blocks, and a run of one costs a second or two: several
// processes per round, so that the median is not one process's luck.
const TIGHT_PROCESSES = 3;
const started = Date.now();
const runs = Object.fromEntries(systems.map((s) => [s.name, []]));
for (let rep = 0; rep < reps; rep++) {
  for (const system of systems) {
    for (let k = silent(system) ? TIGHT_PROCESSES : 1; k > 0; k--) runs[system.name].push(await measure(system, { calls }));
    process.stderr.write('.');
  }
}
process.stderr.write('\n');
// Memory over a long run, default options: heap after GC every tenth of the run
// (every 20,000 calls up to 200,000; 5,000 up to 50,000 with --quick).
const soak = {};
const soakStep = soakCalls / 10;
const soakCheckpoints = Array.from({ length: 9 }, (_, i) => (i + 1) * soakStep);
for (const system of systems.filter((s) => s.soak)) {
  soak[system.name] = await measure(system, { calls: soakCalls, checkpoints: soakCheckpoints }, false);
  soak[system.name].checkpoint = soakCheckpoints[quick ? 1 : 0];
  soak[system.name].memoryAt[soakCalls] = { heapMb: soak[system.name].heapMb, rssMb: soak[system.name].rssMb };
}
// The burst, default options: 5,000 agent calls as fast as possible (no event-loop turn
// between calls), then flush; what was produced, delivered and dropped.
const burstCalls = 5_000;
const burst = {};
for (const system of systems.filter((s) => s.burst)) {
  const r = await measure(system, { calls: burstCalls, turns: false }, false);
  const st = r.stats ?? {};
  const dropped = (st.droppedQueueFull ?? 0) + (st.droppedRejected ?? 0) + (st.droppedUnauthorized ?? 0);
  // The workload produces 12 records per agent call (1 run, 3 spans, 8 events); the
  // sink counts what arrived (the run and span records once each, in their final state).
  const produced = burstCalls * 12;
  burst[system.name] = { calls: burstCalls, produced, delivered: r.sink.records, accepted: st.accepted ?? 0, dropped, nsPerCall: r.nsPerCall, flushMs: r.flushMs };
}
sinkProcess.stdin.end();

// 5. Figures.
const figures = {};
for (const system of systems) {
  const list = runs[system.name];
  const f = {
    label: system.label,
    nsPerCall: median(list.map((r) => r.nsPerCall)),
    nsPerCallTight: median(list.map((r) => r.nsPerCallTight)),
    // In-process A/B against the untraced twin (disabled systems): the figure the target uses.
    disabledAB: median(list.map((r) => r.tightAB?.ratio)),
    disabledWallAB: median(list.map((r) => r.tightAB?.wallRatio)),
    disabledNs: median(list.map((r) => r.tightAB?.nsPerCall)),
    twinNs: median(list.map((r) => r.tightAB?.twinNsPerCall)),
    heapMb: median(list.map((r) => r.heapMb)),
    rssMb: median(list.map((r) => r.rssMb)),
    deliveredPerSec: median(list.map((r) => r.deliveredPerSec)),
    bytesPerCall: median(list.map((r) => r.bytesPerCall)),
    requests: median(list.map((r) => r.sink.requests)),
    records: median(list.map((r) => r.sink.records)),
    dropped: median(list.map((r) => (r.stats?.droppedQueueFull ?? 0) + (r.stats?.droppedRejected ?? 0))),
    delivers: system.name !== 'otel-discard' && !system.name.startsWith('baseline') && !silent(system),
  };
  f.check = check(system, list);
  figures[system.name] = f;
}
for (const system of systems) {
  const f = figures[system.name];
  const base = figures[system.baseline];
  if (base) {
    f.overheadNs = f.nsPerCall - base.nsPerCall;
    f.overheadPct = (f.overheadNs / base.nsPerCall) * 100;
    if (f.nsPerCallTight !== undefined && base.nsPerCallTight !== undefined) {
      f.overheadTightPct = ((f.nsPerCallTight - base.nsPerCallTight) / base.nsPerCallTight) * 100;
    }
  }
}

/** Did the system really deliver (or, disabled, really send nothing)? One line per failure. */
function check(system, list) {
  const problems = [];
  for (const r of list) {
    const s = r.sink;
    if (system.name.startsWith('baseline') || silent(system)) {
      if (s.bytes !== 0) problems.push(`sent ${s.bytes} bytes while it should send nothing`);
      if (system.name.endsWith('unsampled') && r.stats.sampledOut !== r.calls) problems.push(`sampledOut ${r.stats.sampledOut} for ${r.calls} calls`);
      continue;
    }
    if (s.unexpected) problems.push(`${s.unexpected} unexpected requests at the sink`);
    if (system.name === 'otel-discard') {
      if (r.stats.exported !== 4 * r.calls) problems.push(`exported ${r.stats.exported} spans, expected ${4 * r.calls}`);
      continue;
    }
    if (!(s.bytes > 0)) problems.push('no bytes at the sink');
    if (system.name.startsWith('ns-')) {
      const capture = system.options.mode === 'capture';
      if (s.runs < r.calls) problems.push(`${s.runs} runs at the sink for ${r.calls} calls`);
      if (s.spans < 3 * r.calls) problems.push(`${s.spans} spans at the sink for ${r.calls} calls`);
      const events = capture ? 8 * r.calls : 0;
      if (s.events !== events) problems.push(`${s.events} events at the sink, expected ${events}`);
      if (r.stats.droppedQueueFull || r.stats.droppedRejected) problems.push(`dropped ${r.stats.droppedQueueFull} (queue full) + ${r.stats.droppedRejected} (rejected)`);
    } else if (system.name === 'otel-otlp' || system.name === 'langfuse') {
      if (s.spans !== 4 * r.calls) problems.push(`${s.spans} spans at the sink, expected ${4 * r.calls}`);
    } else if (system.name === 'langsmith') {
      if (s.posts < 4 * r.calls) problems.push(`${s.posts} run creations at the sink, expected ${4 * r.calls}`);
    }
  }
  return problems.length === 0 ? 'ok' : [...new Set(problems)].join('; ');
}

const ratios = {};
for (const ours of systems.filter((s) => s.ours)) {
  for (const anchor of systems.filter((s) => s.anchor)) {
    const a = figures[anchor.name];
    const o = figures[ours.name];
    ratios[`${ours.name} vs ${anchor.name}`] = {
      overhead: o.overheadNs / a.overheadNs,
      delivered: a.delivers ? o.deliveredPerSec / a.deliveredPerSec : undefined,
      bytes: a.delivers ? o.bytesPerCall / a.bytesPerCall : undefined,
      heap: o.heapMb / a.heapMb,
    };
  }
}

const targets = [];
const target = (what, pass, figure) => targets.push({ what, pass, figure });
for (const name of ['ns-fn-disabled', 'ns-fn-unsampled', 'ns-dec-disabled']) {
  const f = figures[name];
  if (!f) continue;
  const pct = (f.disabledAB - 1) * 100;
  target(`${name}: < 5% over its untraced twin (tight loop, in-process A/B)`, pct < 5, `${pct.toFixed(1)}%`);
}
// Capture off: what remains is the cost of the records themselves, held to OpenTelemetry's own (discarding) cost.
for (const name of ['ns-fn-nocapture', 'ns-dec-nocapture']) {
  const r = ratios[`${name} vs otel-discard`];
  if (r) target(`${name}: overhead <= OpenTelemetry (discarding)`, r.overhead <= 1, `${r.overhead.toFixed(2)}x`);
}
for (const name of ['ns-fn-capture', 'ns-dec-capture']) {
  if (!figures[name]) continue;
  const r = (anchor) => ratios[`${name} vs ${anchor}`];
  if (figures['otel-otlp']) target(`${name}: overhead <= 0.75x OpenTelemetry (OTLP/HTTP)`, r('otel-otlp').overhead <= 0.75, `${r('otel-otlp').overhead.toFixed(2)}x`);
  if (figures['otel-discard']) target(`${name}: overhead <= OpenTelemetry with a discarding exporter (the moonshot)`, r('otel-discard').overhead <= 1, `${r('otel-discard').overhead.toFixed(2)}x`);
  if (figures.langfuse) target(`${name}: overhead <= Langfuse`, r('langfuse').overhead <= 1, `${r('langfuse').overhead.toFixed(2)}x`);
  if (figures.langsmith) target(`${name}: overhead >= 5x lower than LangSmith`, r('langsmith').overhead <= 0.2, `${(1 / r('langsmith').overhead).toFixed(1)}x lower`);
  for (const anchor of ['otel-otlp', 'langsmith']) {
    if (!figures[anchor]) continue;
    target(`${name}: delivered >= 2x ${anchor}`, r(anchor).delivered >= 2, `${r(anchor).delivered.toFixed(2)}x`);
    target(`${name}: bytes/call <= ${anchor}`, r(anchor).bytes <= 1, `${r(anchor).bytes.toFixed(2)}x`);
  }
  if (figures.langfuse) target(`${name}: delivered > Langfuse`, r('langfuse').delivered > 1, `${r('langfuse').delivered.toFixed(2)}x`);
  const s = soak[name];
  if (s) {
    const at = s.memoryAt[s.checkpoint].heapMb;
    target(`${name}: heap flat from ${s.checkpoint} to ${s.calls} calls`, s.heapMb - at < 5, `${at} MB → ${s.heapMb} MB (dropped ${s.stats.droppedQueueFull})`);
    const otel = soak['otel-otlp']?.memoryAt[s.checkpoint]?.heapMb;
    if (otel !== undefined) target(`${name}: heap at ${s.checkpoint} calls <= 2x otel-otlp (default options)`, at <= 2 * otel, `${(at / otel).toFixed(2)}x (${at} MB vs ${otel} MB)`);
  }
}

// 6. Output.
const cpu = cpus()[0]?.model ?? 'unknown';
const machine = { nproc: cpus().length, cpu, node: process.version, platform: `${process.platform} ${process.arch}` };
const fmt = (n, digits = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const lines = [];
lines.push(`Workload: agent → retrieve (5 docs × 200 chars) → rank → generate (300 chars), every function traced with arguments and result; ${calls.toLocaleString('en-US')} calls per run, ${reps} interleaved runs per system, medians; one event-loop turn after each call.`);
lines.push('');
lines.push('| system | ns/call | overhead | heap MB | RSS MB | delivered calls/s | bytes/call | requests | check |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const system of systems) {
  const f = figures[system.name];
  const overhead = f.overheadNs === undefined ? '–' : `${fmt(f.overheadNs)} ns (${fmt(f.overheadPct, 1)}%)`;
  lines.push(`| ${f.label} | ${fmt(f.nsPerCall)} | ${overhead} | ${fmt(f.heapMb, 1)} | ${fmt(f.rssMb, 0)} | ${f.delivers ? fmt(f.deliveredPerSec) : '–'} | ${f.delivers ? fmt(f.bytesPerCall) : '–'} | ${f.delivers ? fmt(f.requests) : '–'} | ${f.check} |`);
}
lines.push('');
lines.push(`Disabled path, tight loop (no event-loop turn between calls), alternating blocks with the untraced twin (its own instance of the workload module) in one process; medians over ${reps * TIGHT_PROCESSES} processes:`);
lines.push('');
lines.push('| system | CPU ns/call | untraced twin CPU ns/call | overhead (median of block ratios, CPU time) | the same on the wall clock |');
lines.push('|---|---:|---:|---:|---:|');
for (const system of systems.filter((s) => figures[s.name].disabledAB !== undefined)) {
  const f = figures[system.name];
  lines.push(`| ${f.label} | ${fmt(f.disabledNs)} | ${fmt(f.twinNs)} | ${fmt((f.disabledAB - 1) * 100, 1)}% | ${fmt((f.disabledWallAB - 1) * 100, 1)}% |`);
}
lines.push('');
lines.push('Ratios, ours / anchor (overhead and bytes: lower is better; delivered: higher is better):');
lines.push('');
lines.push('| pair | overhead | delivered | bytes/call | heap |');
lines.push('|---|---:|---:|---:|---:|');
for (const [pair, r] of Object.entries(ratios)) lines.push(`| ${pair} | ${fmt(r.overhead, 2)}x | ${r.delivered === undefined ? '–' : `${fmt(r.delivered, 2)}x`} | ${r.bytes === undefined ? '–' : `${fmt(r.bytes, 2)}x`} | ${fmt(r.heap, 2)}x |`);
lines.push('');
lines.push('Heap over time, default options (MB after GC, at N agent calls):');
lines.push('');
const soakMarks = [...soakCheckpoints, soakCalls];
lines.push(`| system | ${soakMarks.map((n) => n.toLocaleString('en-US')).join(' | ')} | RSS at end | dropped (queue full) |`);
lines.push(`|---|${soakMarks.map(() => '---:').join('|')}|---:|---:|`);
for (const [name, s] of Object.entries(soak)) {
  lines.push(`| ${figures[name].label} | ${soakMarks.map((n) => fmt(s.memoryAt[n]?.heapMb, 1)).join(' | ')} | ${s.rssMb} MB | ${s.stats?.droppedQueueFull ?? '–'} |`);
}
lines.push('');
lines.push(`Burst, default options: ${burstCalls.toLocaleString('en-US')} agent calls as fast as possible (no event-loop turn between calls), then flush:`);
lines.push('');
lines.push('| system | records produced | records at the sink | delivered share | dropped enqueues (stats) | ns/call | flush ms |');
lines.push('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, b] of Object.entries(burst)) {
  lines.push(`| ${figures[name].label} | ${fmt(b.produced)} | ${fmt(b.delivered)} | ${fmt(Math.min(100, (b.delivered / b.produced) * 100), 1)}% | ${fmt(b.dropped)} | ${fmt(b.nsPerCall)} | ${fmt(b.flushMs)} |`);
}
lines.push('');
lines.push('(Dropped enqueues count every state the full queue refused: a span refused when it starts and again when it ends counts twice.)');
lines.push('');
lines.push('Targets:');
lines.push('');
for (const t of targets) lines.push(`- ${t.pass ? 'met' : 'MISSED'}: ${t.what} — ${t.figure}`);
lines.push('');
lines.push(`Machine: ${machine.nproc} cores, ${machine.cpu}, Node ${machine.node} (${machine.platform}). Command: \`node bench/run.mjs${argv.length ? ` ${argv.join(' ')}` : ''}\`. Took ${Math.round((Date.now() - started) / 1000)} s.`);
const markdown = lines.join('\n');
console.log(markdown);

if (!flag('--no-write')) {
  mkdirSync(join(here, 'results'), { recursive: true });
  const json = { date: new Date().toISOString(), machine, command: `node bench/run.mjs ${argv.join(' ')}`.trim(), calls, reps, figures, ratios, soak, burst, targets, runs };
  writeFileSync(join(here, 'results/latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(here, 'results/latest.md'), `${markdown}\n`);
}
