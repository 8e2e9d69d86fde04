// The delivery specs again, every client sending through the delivery thread
// (NORTHSTAR_TRANSPORT=worker): retries and backoff, probes, 400 and 500 isolation, 401,
// concurrency of traces, hostile input and the secret checks must hold through the worker
// exactly as on the caller's thread. (deadlines-and-bounds is left out: one of its cases
// gives flush() 400 ms, which a thread still starting on a loaded machine can eat.)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const specs = join(dirname(fileURLToPath(import.meta.url)), '..');
const security = join(specs, 'security');
const FILES = [
  join(specs, 'export/batch-flusher.spec.js'),
  join(specs, 'reliability/delivery-under-faults.spec.js'),
  join(specs, 'reliability/concurrency.spec.js'),
  ...(existsSync(security) ? readdirSync(security).filter((f) => f.endsWith('.spec.js')).map((f) => join(security, f)) : []),
];

describe('delivery specs through the worker transport', () => {
  it('pass with NORTHSTAR_TRANSPORT=worker', async () => {
    for (const file of FILES) assert.ok(existsSync(file), `${file} is compiled`);
    const env: Record<string, string | undefined> = { ...process.env, NORTHSTAR_TRANSPORT: 'worker', NORTHSTAR_API_KEY: '', NORTHSTAR_PROJECT_ID: '', NORTHSTAR_ENDPOINT: '' };
    // A runner of its own, reporting as a top-level one would.
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=tap', ...FILES], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const failures = out.split('\n').filter((line) => /^\s*not ok /.test(line));
    assert.equal(code, 0, `failed through the worker:\n${failures.join('\n')}\n${out.slice(-4000)}`);
    assert.match(out, /^# fail 0$/m);
  });
});
