// Builds the package and the example, then runs the demo. Used by `npm run demo`.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

run([join(root, 'scripts/build.mjs')]);
run([tsc, '-p', 'examples/tsconfig.json']);
run([join(root, 'build/examples/examples/demo.js')]);
