// Builds the package: ESM and CommonJS with the TypeScript compiler, then makes the
// CommonJS build independent of ky's ESM-only distribution (Jest cannot require ESM).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });

rmSync(join(root, 'dist'), { recursive: true, force: true });
run(['-p', 'tsconfig.json']);
run(['-p', 'tsconfig.cjs.json']);
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');

// ky ships ESM only. The CommonJS build carries its own bundled copy so that
// `require('northstar-ai')` works everywhere, Jest included.
await build({
  entryPoints: ['ky'],
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: join(root, 'dist/cjs/vendor/ky.cjs'),
  legalComments: 'inline',
  logLevel: 'warning',
});
for (const file of ['dist/cjs/src/export/http-transport.js', 'dist/cjs/src/prompts/prompt-resolver.js']) {
  const transport = join(root, file);
  const source = readFileSync(transport, 'utf8');
  const patched = source.replace('require("ky")', 'require("../../vendor/ky.cjs")');
  if (patched === source) throw new Error('build: require("ky") not found in ' + transport);
  writeFileSync(transport, patched);
}

// The local viewer's page (`northstar-ai dev`): viewer/ bundled with preact into static
// files under dist/viewer/, served as they are (no CDN, no build at install).
const viewerOut = join(root, 'dist/viewer');
await build({
  entryPoints: [join(root, 'viewer/main.tsx')],
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  outfile: join(viewerOut, 'app.js'),
  legalComments: 'eof',
  logLevel: 'warning',
});
await build({ entryPoints: [join(root, 'viewer/app.css')], absWorkingDir: root, bundle: true, minify: true, outfile: join(viewerOut, 'app.css'), logLevel: 'warning' });
writeFileSync(join(viewerOut, 'index.html'), readFileSync(join(root, 'viewer/index.html')));

// The price table loader and the worker transport (which finds delivery-worker.js beside
// itself) use import.meta.url in ESM; CommonJS has __filename (and its own require).
for (const file of ['dist/cjs/src/model/price-table.js', 'dist/cjs/src/export/worker-transport.js']) {
  const path = join(root, file);
  const source = readFileSync(path, 'utf8');
  const patched = source.replaceAll('import.meta.url', '__filename');
  if (patched === source) throw new Error('build: import.meta.url not found in ' + path);
  writeFileSync(path, patched);
}
