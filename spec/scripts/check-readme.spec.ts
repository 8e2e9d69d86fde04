// scripts/check-readme.mjs: every ```ts block compiles under strict; an error names its
// README line; an import that does not resolve fails instead of being skipped.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function check(markdown: string, name: string) {
  const dir = join(root, 'build/readme-check-spec');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.md`);
  writeFileSync(file, markdown);
  const result = spawnSync(process.execPath, [join(root, 'scripts/check-readme.mjs'), file, `build/readme-check-spec/${name}`], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const FENCE = '```';

describe('check-readme', () => {
  it('passes compiling blocks, in both decorator modes when decorated', () => {
    const md = [
      '# ok',
      `${FENCE}ts`,
      "import { trace } from 'northstar-ai';",
      'const f = trace(async function f(x: number) { return x; });',
      'await f(1);',
      FENCE,
      `${FENCE}ts`,
      "import { Trace } from 'northstar-ai/decorators';",
      'class A { @Trace() run(q: string) { return q; } }',
      'new A().run("x");',
      FENCE,
      `${FENCE}sh`,
      'not typescript at all',
      FENCE,
    ].join('\n');
    const { status, output } = check(md, 'good');
    assert.equal(status, 0, output);
    assert.match(output, /2 ```ts blocks compile \(legacy: 1, stage-3: 2\)/);
  });

  it('fails with the README line of a type error, and on an import that does not resolve', () => {
    const md = [
      '# bad', // 1
      '', // 2
      `${FENCE}ts`, // 3
      "import { trace } from 'northstar-ai';", // 4
      'const n: number = trace;', // 5
      FENCE, // 6
      `${FENCE}ts`, // 7
      "import { later } from 'northstar-ai/not-yet';", // 8
      'later();', // 9
      FENCE,
      `${FENCE}ts decorators=legacy`,
      "import { Trace, Ignore } from 'northstar-ai/decorators';",
      'class A { @Trace() run(@Ignore() q: string) { return q; } }',
      FENCE,
    ].join('\n');
    const { status, output } = check(md, 'bad');
    assert.equal(status, 1);
    assert.match(output, /bad\.md:5:7 \(stage3 decorators\): error TS2322/);
    assert.match(output, /bad\.md:8:\d+ \(stage3 decorators\): error TS2307: Cannot find module 'northstar-ai\/not-yet'/);
    assert.doesNotMatch(output, /bad\.md:13/, 'the legacy-only block compiles in legacy mode and is not compiled as stage-3');
  });
});
