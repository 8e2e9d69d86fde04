// Measures one system in a fresh process (run by run.mjs with --expose-gc):
//   node --expose-gc bench/child.mjs '<json>'   → one JSON line on stdout
// Phases: warm-up (then flush), the measured calls (each agent call awaited, then one
// event-loop turn, as an I/O-bound agent gives its exporter; none with turns: false), heap and RSS after GC,
// then a final flush: delivered throughput is calls / (calls + flush) time.
import { setImmediate as turn } from 'node:timers/promises';
import { QUERIES } from './workload.mjs';

const config = JSON.parse(process.argv[2]);
const { module, options = {}, calls, warmup, sinkUrl, checkpoints = [], tightCalls = 0, turns = true } = config;

const sink = async (path) => (await fetch(`${sinkUrl}${path}`, { method: path === '/__reset' ? 'POST' : 'GET' })).json();
const mb = (bytes) => Math.round((bytes / 1048576) * 100) / 100;

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapMb: mb(m.heapUsed), rssMb: mb(m.rss) };
}

const system = await (await import(`./${module}`)).setup({ sinkUrl, ...options });
const { agent } = system;

async function drive(count, from = 0) {
  for (let i = from; i < from + count; i++) {
    await agent(QUERIES[i & 15]);
    // The burst (turns: false) calls as fast as it can, giving the exporter no turn.
    if (turns) await turn();
  }
}

// Warm-up, delivered and then forgotten: the sink and the counters start from zero.
await drive(warmup);
if (system.flush) await system.flush();
await sink('/__reset');
const statsBefore = system.stats?.();
const memoryBefore = memory();

const result = { system: config.name, calls };
const marks = {};
const t0 = process.hrtime.bigint();
let paused = 0n;
let done = 0;
for (const checkpoint of [...checkpoints, calls]) {
  await drive(checkpoint - done, done);
  done = checkpoint;
  if (checkpoint !== calls) {
    // Memory checkpoints (soak runs) are taken outside the timed part.
    const p = process.hrtime.bigint();
    marks[checkpoint] = memory();
    paused += process.hrtime.bigint() - p;
  }
}
const t1 = process.hrtime.bigint() - paused;
const after = memory();
if (system.flush) await system.flush();
const t2 = process.hrtime.bigint() - paused;
const sinkStats = await sink('/__stats');
const statsAfter = system.stats?.();

result.nsPerCall = Number(t1 - t0) / calls;
result.deliveredPerSec = system.flush ? calls / (Number(t2 - t0) / 1e9) : calls / (Number(t1 - t0) / 1e9);
result.flushMs = Number(t2 - t1) / 1e6;
result.heapMb = after.heapMb;
result.rssMb = after.rssMb;
result.heapBeforeMb = memoryBefore.heapMb;
result.memoryAt = marks;
result.sink = sinkStats;
result.bytesPerCall = sinkStats.bytes / calls;
if (statsAfter) {
  result.stats = {};
  for (const [key, value] of Object.entries(statsAfter)) {
    result.stats[key] = typeof value === 'number' && typeof statsBefore?.[key] === 'number' ? value - statsBefore[key] : value;
  }
}

// Systems with nothing in the background (baseline, disabled) also run a tight loop
// without event-loop turns: the strict cost of the wrappers themselves. A disabled system
// brings its untraced twin, and the two alternate in blocks in this one process (median
// of the block ratios). The A/B counts the process's CPU time, not wall time: on a shared
// machine a block the scheduler preempts is tens of percent longer on the wall clock
// (block ratios then scatter by +-30 % and the median by several points), while its CPU
// time is what the calls cost; the loop does no I/O, so the two agree on a quiet machine.
if (system.idle && tightCalls > 0) {
  const block = async (fn, n) => {
    const cpu = process.cpuUsage();
    const s = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn(QUERIES[i & 15]);
    const wall = Number(process.hrtime.bigint() - s) / n;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: ((used.user + used.system) * 1000) / n };
  };
  await block(agent, tightCalls);
  result.nsPerCallTight = (await block(agent, tightCalls)).wall;
  if (system.twin) {
    const blocks = 12;
    const size = Math.max(1000, Math.round(tightCalls / blocks));
    await block(system.twin, size);
    const ratios = [];
    const wallRatios = [];
    const ours = [];
    const twins = [];
    for (let b = 0; b < blocks; b++) {
      const first = b % 2 === 0;
      const t1 = first ? await block(system.twin, size) : undefined;
      const o = await block(agent, size);
      const t2 = first ? t1 : await block(system.twin, size);
      ours.push(o.cpu);
      twins.push(t2.cpu);
      ratios.push(o.cpu / t2.cpu);
      wallRatios.push(o.wall / t2.wall);
    }
    const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
    result.tightAB = { ratio: med(ratios), wallRatio: med(wallRatios), nsPerCall: med(ours), twinNsPerCall: med(twins), blocks, size, clock: 'cpu' };
  }
}

if (system.teardown) await system.teardown();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
