// Checks the package as it would be published: packs it with npm, verifies the tarball's
// contents, then runs publint and @arethetypeswrong/cli on the tarball. Expects a
// fresh build in dist/ (scripts/test.mjs builds first). Exits non-zero on any problem.
//   node scripts/check-package.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The JavaScript file of an installed package's command (its `bin` entry), to run with this node. */
export function binOf(pkg, name) {
  const dir = join(root, 'node_modules', pkg);
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, typeof bin === 'string' ? bin : bin[name]);
}

/** Files every tarball must carry: both builds of every entry point, and ky's CommonJS copy. */
const REQUIRED_FILES = [
  'package.json',
  'dist/esm/src/index.js',
  'dist/esm/src/index.d.ts',
  'dist/cjs/src/index.js',
  'dist/cjs/src/index.d.ts',
  'dist/cjs/package.json',
  'dist/cjs/vendor/ky.cjs',
  'dist/esm/decorators/index.js',
  'dist/esm/decorators/index.d.ts',
  'dist/cjs/decorators/index.js',
  'dist/cjs/decorators/index.d.ts',
  'dist/esm/src/evals/index.js',
  'dist/cjs/src/evals/index.js',
  // Integration subpaths (issue 14: northstar-ai/otel, ai-sdk, openai-agents, langchain), both builds.
  ...['otel', 'ai-sdk', 'openai-agents', 'langchain'].flatMap((name) =>
    ['esm', 'cjs'].flatMap((build) => [`dist/${build}/integrations/${name}/index.js`, `dist/${build}/integrations/${name}/index.d.ts`]),
  ),
  // `npx northstar-ai dev`: the bin and the prebuilt viewer page.
  'dist/esm/src/dev/cli.js',
  'dist/viewer/index.html',
  'dist/viewer/app.js',
  'dist/viewer/app.css',
  'LICENSE',
];
/** Paths that must never be published. */
const FORBIDDEN = /^(spec|build|scripts|bench|examples|node_modules|\.ci)\/|\.spec\.|\.tgz$/;

/**
 * Packs the package (without running lifecycle scripts: dist/ must be built) into
 * `destination` and returns the tarball's absolute path and its file list.
 */
export function packPackage(destination) {
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // npm may print lifecycle noise before the JSON array.
  const [info] = JSON.parse(output.slice(output.indexOf('[')));
  return { tarball: join(destination, info.filename), files: info.files.map((f) => f.path), size: info.size };
}

function checkContents(files) {
  const problems = [];
  for (const file of REQUIRED_FILES) if (!files.includes(file)) problems.push(`missing ${file}`);
  for (const file of files) if (FORBIDDEN.test(file)) problems.push(`should not be published: ${file}`);
  // Every source map must point at sources that ship in the tarball.
  const shipped = new Set(files);
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const { sources = [] } = JSON.parse(readFileSync(join(root, file), 'utf8'));
    for (const source of sources) {
      const target = posix.normalize(posix.join(posix.dirname(file), source));
      if (!shipped.has(target)) problems.push(`${file} points at ${source}, which is not published`);
    }
  }
  return problems;
}

function runTool(label, args) {
  console.log(`\n-- ${label}`);
  try {
    execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    return true;
  } catch {
    console.error(`${label}: failed`);
    return false;
  }
}

const color = process.stdout.isTTY ? [] : ['--no-color'];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'northstar-pack-'));
  try {
    const { tarball, files, size } = packPackage(dir);
    console.log(`packed ${files.length} files, ${(size / 1024).toFixed(1)} KiB`);
    const problems = checkContents(files);
    for (const p of problems) console.error(`tarball: ${p}`);
    const results = [
      problems.length === 0,
      // --strict: warnings fail too; suggestions are printed only.
      runTool('publint', [binOf('publint', 'publint'), 'run', tarball, '--strict']),
      // The strict profile covers node10, node16 (CJS and ESM importers) and bundler.
      runTool('attw', [binOf('@arethetypeswrong/cli', 'attw'), tarball, '--profile', 'strict', '--format', 'table-flipped', ...color]),
    ];
    if (results.includes(false)) {
      console.error('\npackage checks failed');
      process.exitCode = 1;
    } else {
      console.log('\npackage checks passed');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
