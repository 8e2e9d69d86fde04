// scripts/check-imports.mjs (a step of `npm test`): it passes on this repository and fails
// on a file cycle, a folder cycle, src/ importing decorators/ or integrations/, either
// of them bypassing src/internal.ts, provider-shape parsing importing the engine, and the
// local viewer (src/dev, viewer/) reaching into the engine or being reached from it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder up whose package.json is this package's. */
function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'northstar-ai') return dir;
  }
  throw new Error('repository root not found');
}

const repository = repoRoot();
const script = join(repository, 'scripts/check-imports.mjs');
const trees: string[] = [];
after(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

function check(files: Record<string, string>): { status: number | null; output: string } {
  const tree = mkdtempSync(join(tmpdir(), 'northstar-imports-'));
  trees.push(tree);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), source);
  }
  const result = spawnSync(process.execPath, [script, '--root', tree], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('check-imports', () => {
  it('passes on this repository', () => {
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });

  it('fails on a cycle between files, type-only imports included', () => {
    const result = check({
      'src/tracing/a.ts': "import { b } from './b.js';\nexport const a = 1 + b;\n",
      'src/tracing/b.ts': "import type { A } from './c.js';\nexport const b = 2;\n",
      'src/tracing/c.ts': "import { a } from './a.js';\nexport type A = typeof a;\n",
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /import cycle between files: src\/tracing\/a\.ts, src\/tracing\/b\.ts, src\/tracing\/c\.ts/);
  });

  it('fails on a cycle between folders, naming the imports that make it', () => {
    const result = check({
      'src/tracing/x.ts': "export { y } from '../client/y.js';\nexport const x = 1;\n",
      'src/client/y.ts': "export const y = 2;\n",
      'src/client/z.ts': "import { x } from '../tracing/x.js';\nexport const z = x;\n",
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /import cycle between folders: src\/client, src\/tracing/);
    assert.match(result.output, /src\/client\/z\.ts -> src\/tracing\/x\.ts/);
  });

  it('fails when src/ imports decorators/, or decorators/ skips src/internal.ts', () => {
    const result = check({
      'src/internal.ts': "export const engine = 1;\n",
      'src/api/a.ts': "import { d } from '../../decorators/d.js';\nexport const a = d;\n",
      'decorators/d.ts': "import { a } from '../src/api/a.js';\nexport const d = 1;\nexport const e = a;\n",
      'decorators/ok.ts': "// import { x } from '../src/api/a.js'; (a comment, not an import)\nimport { engine } from '../src/internal.js';\nexport const ok = engine;\n",
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /src\/api\/a\.ts imports decorators\/d\.ts: src\/ never imports decorators\//);
    assert.match(result.output, /decorators\/d\.ts imports src\/api\/a\.ts: decorators\/ reaches the engine only through src\/internal\.ts/);
    assert.doesNotMatch(result.output, /decorators\/ok\.ts/);
  });

  it('fails when src/ imports integrations/, or integrations/ skips src/internal.ts', () => {
    const result = check({
      'src/internal.ts': "export const engine = 1;\n",
      'src/tracing/t.ts': "import { p } from '../../integrations/otel/p.js';\nexport const t = p;\n",
      'integrations/otel/p.ts': "export const p = 1;\n",
      'integrations/otel/q.ts': "import { t } from '../../src/tracing/t.js';\nexport const q = t;\n",
      'integrations/ai-sdk/ok.ts': "import { engine } from '../../src/internal.js';\nimport { p } from '../otel/p.js';\nexport const ok = engine + p;\n",
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /src\/tracing\/t\.ts imports integrations\/otel\/p\.ts: src\/ never imports integrations\//);
    assert.match(result.output, /integrations\/otel\/q\.ts imports src\/tracing\/t\.ts: integrations\/ reaches the engine only through src\/internal\.ts/);
    assert.doesNotMatch(result.output, /integrations\/ai-sdk\/ok\.ts/);
  });

  it('fails when provider-shape parsing imports the tracing engine', () => {
    const result = check({
      'src/tracing/t.ts': "export const t = 1;\n",
      'src/model/m.ts': "import { t } from '../tracing/t.js';\nexport const m = t;\n",
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /src\/model\/m\.ts imports src\/tracing\/t\.ts: provider-shape parsing imports nothing of the tracing engine/);
  });

  it('keeps the local viewer apart: src/dev uses only config/errors/util, nothing imports it, viewer/ imports no src/', () => {
    const result = check({
      'src/config/switch.ts': "export const port = 4319;\n",
      'src/tracing/t.ts': "export const t = 1;\n",
      'src/dev/server.ts': "import { port } from '../config/switch.js';\nimport { t } from '../tracing/t.js';\nexport const server = port + t;\n",
      'src/api/a.ts': "import { server } from '../dev/server.js';\nexport const a = server;\n",
      'viewer/model.ts': "export const view = 1;\n",
      'viewer/main.tsx': "import { view } from './model.js';\nimport { t } from '../src/tracing/t.js';\nexport const main = view + t;\n",
    });
    assert.equal(result.status, 1);
    assert.match(result.output, /src\/dev\/server\.ts imports src\/tracing\/t\.ts: the local viewer/);
    assert.doesNotMatch(result.output, /src\/dev\/server\.ts imports src\/config/);
    assert.match(result.output, /src\/api\/a\.ts imports src\/dev\/server\.ts: only the northstar-ai dev bin/);
    assert.match(result.output, /viewer\/main\.tsx imports src\/tracing\/t\.ts: the viewer page/);
    assert.doesNotMatch(result.output, /cannot resolve/);
  });
});
