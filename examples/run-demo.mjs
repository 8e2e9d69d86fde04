// Builds the package and the examples, then runs a demo. Used by `npm run demo` (the
// decorated support agent) and `npm run demo:ai-sdk` (the Vercel AI SDK agent, Node >= 22).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

const demo = process.argv[2] === 'ai-sdk' ? 'ai-sdk-demo' : 'demo';
const major = Number(process.versions.node.split('.')[0]);
if (demo === 'ai-sdk-demo' && major < 22) {
  console.log(`npm run demo:ai-sdk needs Node >= 22: the Vercel AI SDK (ai 7) does not run on Node ${process.versions.node}.`);
  console.log('Run it with Node 22 or newer; `npm run demo` (the decorated support agent) runs on this Node.');
  process.exit(0);
}
run([join(root, 'scripts/build.mjs')]);
run([tsc, '-p', 'examples/tsconfig.json']);
run([join(root, `build/examples/examples/${demo}.js`)]);
