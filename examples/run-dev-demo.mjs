// `npm run dev:demo`: builds the package and the examples, then starts the local viewer
// (`northstar-ai dev`) and runs the demo agent against it; the viewer stays open until
// Ctrl-C. Extra arguments go to `northstar-ai dev` (e.g. `npm run dev:demo -- --port 4400`).
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

run([join(root, 'scripts/build.mjs')]);
run([tsc, '-p', 'examples/tsconfig.json']);
const child = spawn(
  process.execPath,
  [join(root, 'dist/esm/src/dev/cli.js'), 'dev', ...process.argv.slice(2), '--keep-open', '--', process.execPath, join(root, 'build/examples/examples/dev-demo.js')],
  { cwd: root, stdio: 'inherit' },
);
// Ctrl-C reaches the viewer directly (same terminal); this script only waits for it.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
child.on('exit', (code) => process.exit(code ?? 1));
