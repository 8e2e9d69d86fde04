// Compiles every ```ts block of README.md under `strict`, each as a standalone ES module
// (top-level await allowed) that imports the built package as `northstar-ai` (and its
// subpaths). A block that uses decorators is compiled twice: with legacy decorators
// (experimentalDecorators + emitDecoratorMetadata) and with standard (stage-3)
// decorators. An info string can restrict a block to one mode: ```ts decorators=legacy
// (parameter decorators, NestJS) or ```ts decorators=stage3. An import that does not
// resolve is an error like any other: a block is never skipped.
// Errors are reported with the README line they come from. Run after scripts/build.mjs.
//   node scripts/check-readme.mjs [README.md] [scratch dir, default build/readme-check]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = resolve(root, process.argv[2] ?? 'README.md');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// The scratch directory (inside the repository, so other packages resolve from its node_modules).
const work = resolve(root, process.argv[3] ?? 'build/readme-check');

/** The ```ts blocks of a markdown text, with the line number of their first code line. */
function extractBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)(?:\s+(.*))?$/.exec(lines[i]);
    if (open === null) {
      // Skip fenced blocks of other languages whole, so their content is never mistaken for a fence.
      const other = /^(\s*)(`{3,}|~{3,})/.exec(lines[i]);
      if (other !== null) {
        const fence = other[2];
        for (i++; i < lines.length && !lines[i].trim().startsWith(fence); i++);
      }
      continue;
    }
    const [, indent, fence, , info = ''] = open;
    const start = i + 2; // 1-based line of the first code line
    const body = [];
    for (i++; i < lines.length && !lines[i].trim().startsWith(fence); i++) body.push(lines[i].slice(indent.length));
    const mode = /decorators=(legacy|stage3)/.exec(info)?.[1];
    blocks.push({ start, code: body.join('\n') + '\n', mode });
  }
  return blocks;
}

// Any `@name` after a line start, space, brace or bracket (a comment's `@example` too: compiling
// such a block once more in legacy mode costs nothing).
const usesDecorators = (code) => /(?:^|[\s{(,;])@[A-Za-z_$][\w$.]*/m.test(code);

const label = relative(root, readme) || 'README.md';
const blocks = extractBlocks(readFileSync(readme, 'utf8'));
if (blocks.length === 0) {
  console.error(`check-readme: no \`\`\`ts block found in ${readme}`);
  process.exit(1);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'node_modules'), { recursive: true });
writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n');
// The blocks import the package by its name: point it at the repository (its `exports`
// lead to dist/). Other packages (openai, @nestjs/common, ...) resolve from the
// repository's node_modules, one level up.
symlinkSync(relative(join(work, 'node_modules'), root), join(work, 'node_modules/northstar-ai'), 'dir');

const modes = {
  legacy: { experimentalDecorators: true, emitDecoratorMetadata: true },
  stage3: { experimentalDecorators: false, emitDecoratorMetadata: false },
};
const files = { legacy: [], stage3: [] };
const byFile = new Map();
for (const block of blocks) {
  const file = `block-line-${block.start}.ts`;
  writeFileSync(join(work, file), block.code);
  byFile.set(file, block);
  const decorated = usesDecorators(block.code);
  for (const mode of Object.keys(modes)) {
    if (block.mode !== undefined ? block.mode === mode : decorated || mode === 'stage3') files[mode].push(file);
  }
}

let failures = 0;
for (const [mode, decoratorOptions] of Object.entries(modes)) {
  if (files[mode].length === 0) continue;
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      moduleDetection: 'force',
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      ...decoratorOptions,
    },
    files: files[mode],
  };
  const project = join(work, `tsconfig.${mode}.json`);
  writeFileSync(project, JSON.stringify(config, null, 2));
  let output = '';
  let failed = false;
  try {
    execFileSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: work, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    failed = true;
    output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    if (output.trim() === '') output = String(error);
  }
  if (failed) failures++;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const at = /^(block-line-\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    if (at === null) {
      console.error(`${label} (${mode} decorators): ${line}`);
      continue;
    }
    const block = byFile.get(at[1]);
    console.error(`${label}:${block.start + Number(at[2]) - 1}:${at[3]} (${mode} decorators): ${at[4]}`);
  }
}

if (failures > 0) {
  console.error(`check-readme: errors in the \`\`\`ts blocks of README.md (each block is compiled as its own module under strict)`);
  process.exit(1);
}
console.log(`check-readme: ${blocks.length} \`\`\`ts blocks compile (legacy: ${files.legacy.length}, stage-3: ${files.stage3.length})`);
