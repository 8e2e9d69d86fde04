// The test command: build the package, compile the specs with the TypeScript
// compiler once per decorator mode (and again with the newest TypeScript), run them
// with node's test runner, then check the packed package and install it into the
// consumer projects of spec/consumers (ESM, CommonJS, Jest, NestJS).
//   node scripts/test.mjs            everything
//   node scripts/test.mjs <filter>   only spec files whose path contains <filter>
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const filter = process.argv[2];
const step = (title) => console.log(`\n== ${title}`);
const node = (args, opts = {}) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit', ...opts });

step('imports: no cycle between files or folders, layers respected');
node([join(root, 'scripts/check-imports.mjs')]);

step('build');
node([join(root, 'scripts/build.mjs')]);

const compilers = [
  ['ts5', require.resolve('typescript/bin/tsc')],
  // TypeScript 7's package.json `exports` does not list bin/tsc: resolve it from the package root.
  ['ts7', join(dirname(require.resolve('typescript7/package.json')), 'bin/tsc')],
];
rmSync(join(root, 'build'), { recursive: true, force: true });
for (const [label, tsc] of compilers) {
  for (const mode of ['legacy', 'stage3']) {
    step(`compile specs: ${label} ${mode}`);
    node([tsc, '-p', `spec/tsconfig.${mode}.json`, '--outDir', `build/${label}-${mode}`]);
  }
}

// Every ```ts block of README.md compiles under strict, in both decorator modes where it uses decorators.
step('README examples');
node([join(root, 'scripts/check-readme.mjs')]);

const walk = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.spec.js') ? [join(dir, e.name)] : [],
      )
    : [];
// Every spec runs once from the TypeScript 5 legacy build; decorator specs run from
// all four builds (two compilers x two decorator modes).
const files = [
  ...walk(join(root, 'build/ts5-legacy/spec')),
  ...['ts5-stage3', 'ts7-legacy', 'ts7-stage3'].flatMap((b) => walk(join(root, `build/${b}/spec/decorators`))),
].filter((f) => !filter || relative(root, f).includes(filter));

step(`run ${files.length} spec files`);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NORTHSTAR_API_KEY: '', NORTHSTAR_PROJECT_ID: '', NORTHSTAR_ENDPOINT: '' } },
);
if (result.status !== 0) process.exit(result.status ?? 1);

if (!filter) {
  step('package checks');
  node([join(root, 'scripts/check-package.mjs')]);
  step('consumers');
  node([join(root, 'scripts/test-consumers.mjs')]);
}
