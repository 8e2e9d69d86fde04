// Builds the package and the examples, then runs the evals demo. Used by `npm run demo:evals`.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

run([join(root, 'scripts/build.mjs')]);
run([tsc, '-p', 'examples/tsconfig.json']);
run([join(root, 'build/examples/examples/evals-demo.js')]);
