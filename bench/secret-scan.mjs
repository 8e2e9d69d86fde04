// The cost of scanning captured strings for credentials (README, "Secrets"): a snapshot of
// what the bench agent captures per call (its children's arguments and results), with the
// scan and without it, interleaved, medians of the rounds; then the scan alone on clean
// and secret-bearing strings. Build first: `node scripts/build.mjs && node bench/secret-scan.mjs`.
import { compileRedaction, redactText } from '../dist/esm/src/serialize/redaction.js';
import { createJsonSnapshotter } from '../dist/esm/src/serialize/snapshot.js';
import { generate, QUERIES, retrieve, TEXTS } from './workload.mjs';

const ROUNDS = Number(process.argv[2] ?? 15);
const CALLS = 20_000;

const docs = await retrieve(QUERIES[3]);
const answer = await generate(QUERIES[3], docs);
// One agent call captures these: the agent's and each child's arguments and results.
const captured = [[QUERIES[3]], [QUERIES[3]], docs, [docs], docs, [QUERIES[3], docs], answer, answer];

// The JSON snapshotter: what capture uses (the object one, createSnapshotter, is its text parsed).
const withScan = createJsonSnapshotter();
const withoutScan = createJsonSnapshotter({ scanStrings: false });

function perCall(snapshot) {
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < CALLS; i++) for (const value of captured) sink += snapshot(value) === undefined ? 1 : 0;
  if (sink !== 0) throw new Error('unreachable');
  return Number(process.hrtime.bigint() - start) / CALLS;
}

function nsPerOp(fn, text, ops = 200_000) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) fn(text);
  return Number(process.hrtime.bigint() - start) / ops;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Warm up both paths, then interleave so machine noise hits both alike.
perCall(withScan);
perCall(withoutScan);
const on = [];
const off = [];
const ratios = [];
for (let round = 0; round < ROUNDS; round++) {
  const a = perCall(withoutScan);
  const b = perCall(withScan);
  off.push(a);
  on.push(b);
  ratios.push(b / a);
}

const rule = compileRedaction();
const scan = (text) => redactText(text, rule);
const identity = (text) => text.length;
const strings = {
  'clean, 40 chars': QUERIES[3],
  'clean, 200 chars': TEXTS[0],
  'id with "-", 5 chars': 'doc-1',
  'prose with ":", 300 chars': answer,
  'sk-proj key in 60 chars': 'the key is sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34 for prod',
  'URL with password': 'connect to postgres://alice:hunter2@db.internal:5432/app',
};

console.log(`capture of one agent call's values (${captured.length} snapshots), median of ${ROUNDS} rounds:`);
console.log(`  without the scan  ${median(off).toFixed(0)} ns`);
console.log(`  with the scan     ${median(on).toFixed(0)} ns`);
console.log(`  ratio             ${median(ratios).toFixed(2)} (with / without; must stay below 2)`);
console.log('the scan alone, per string (a loop doing nothing but .length shown for scale):');
for (const [name, text] of Object.entries(strings)) {
  const cost = median([0, 1, 2].map(() => nsPerOp(scan, text) - nsPerOp(identity, text)));
  console.log(`  ${name.padEnd(28)} ${Math.max(cost, 0).toFixed(0)} ns`);
}
