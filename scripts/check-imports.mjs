// The import check of `npm test` (see docs/architecture.md, "Layers"). Reads every .ts
// file of src/, decorators/ and integrations/, takes its relative import specifiers (type-only imports
// and re-exports included) and fails on:
//   - an import cycle between files, or between folders (src/tracing -> src/client -> src/tracing);
//   - src/ importing decorators/ or integrations/ (they build on the engine, never the reverse);
//   - decorators/ or integrations/ importing src/ through anything but the internal entry module src/internal.ts;
//   - provider-shape parsing (src/model) or the queue (src/registry) importing the engine above it;
//   - the `northstar-ai dev` bin (src/dev) importing more of src/ than config/, errors/ and util/,
//     or anything outside src/dev importing it (so `import 'northstar-ai'` never loads the viewer);
//   - the viewer page (viewer/, .ts and .tsx) importing src/ or decorators/ (it speaks HTTP only).
// A regex over the source is enough: the code base writes one specifier per import
// statement, always relative, always with its `.js` extension.
//   node scripts/check-imports.mjs [--root DIR]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// `--root DIR` checks another tree (the spec of this script uses it); the default is this repository.
const rootFlag = process.argv.indexOf('--root');
const root = rootFlag >= 0 ? resolve(process.argv[rootFlag + 1]) : join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOTS = ['src', 'decorators', 'integrations', 'viewer'];
/** Trees built on the engine: they reach src/ only through INTERNAL_ENTRY, and src/ never imports them. */
const CLIENT_TREES = ['decorators', 'integrations'];
const INTERNAL_ENTRY = 'src/internal.ts';
/** Folders a lower layer must not import (prefix match on the imported file). */
const FORBIDDEN = [
  { from: 'src/model/', to: ['src/tracing/', 'src/client/', 'src/api/', 'src/instrumentation/', 'src/export/', 'src/context/'], why: 'provider-shape parsing imports nothing of the tracing engine' },
  { from: 'src/registry/', to: ['src/tracing/', 'src/client/', 'src/api/', 'src/instrumentation/', 'src/export/'], why: 'the queue knows records, not who writes or sends them' },
  { from: 'src/util/', to: ['src/'], why: 'the shared helpers import nothing' },
  {
    from: 'src/dev/',
    to: ['src/index.ts', 'src/internal.ts', 'src/api/', 'src/client/', 'src/instrumentation/', 'src/tracing/', 'src/export/', 'src/context/', 'src/registry/', 'src/model/', 'src/serialize/', 'src/debug/'],
    why: 'the local viewer (northstar-ai dev) uses only src/config, src/errors and src/util of the package',
  },
  { from: 'viewer/', to: ['src/', 'decorators/'], why: 'the viewer page talks to the collector over HTTP, never imports the package' },
];

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

const toPosix = (path) => path.split(sep).join('/');
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

function resolveSpecifier(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => existsSync(candidate));
}

/** The source with its comments blanked out; strings (the specifiers among them) are kept. */
function stripComments(source) {
  let out = '';
  let quote;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote !== undefined) {
      out += c;
      if (c === '\\') out += source[++i] ?? '';
      else if (c === quote) quote = undefined;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end === -1 ? source.length : end + 1;
      out += ' ';
    } else {
      if (c === '"' || c === "'" || c === '`') quote = c;
      out += c;
    }
  }
  return out;
}

const files = ROOTS.flatMap((dir) => (existsSync(join(root, dir)) ? walk(join(root, dir)) : []));
/** @type {Map<string, string[]>} file -> imported files (repository-relative, posix) */
const graph = new Map();
const problems = [];
for (const file of files) {
  const name = toPosix(relative(root, file));
  const imports = [];
  const source = stripComments(readFileSync(file, 'utf8'));
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier.startsWith('.')) continue;
    const target = resolveSpecifier(file, specifier);
    if (target === undefined) {
      problems.push(`${name}: cannot resolve '${specifier}'`);
      continue;
    }
    imports.push(toPosix(relative(root, target)));
  }
  graph.set(name, imports);
}

for (const [file, imports] of graph) {
  for (const target of imports) {
    if (target.startsWith('src/dev/') && !file.startsWith('src/dev/')) problems.push(`${file} imports ${target}: only the northstar-ai dev bin (src/dev/) imports src/dev/`);
    for (const tree of CLIENT_TREES) {
      if (file.startsWith('src/') && target.startsWith(`${tree}/`)) problems.push(`${file} imports ${target}: src/ never imports ${tree}/`);
      if (file.startsWith(`${tree}/`) && target.startsWith('src/') && target !== INTERNAL_ENTRY) {
        problems.push(`${file} imports ${target}: ${tree}/ reaches the engine only through ${INTERNAL_ENTRY}`);
      }
    }
    for (const rule of FORBIDDEN) {
      if (file.startsWith(rule.from) && !target.startsWith(rule.from) && rule.to.some((prefix) => target.startsWith(prefix))) {
        problems.push(`${file} imports ${target}: ${rule.why}`);
      }
    }
  }
}

/** Strongly connected components with more than one node (or a self-loop): the cycles. */
function cycles(nodes, edges) {
  let index = 0;
  const state = new Map();
  const stack = [];
  const found = [];
  const visit = (node) => {
    const entry = { index, low: index, onStack: true };
    index++;
    state.set(node, entry);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === undefined) {
        visit(next);
        entry.low = Math.min(entry.low, state.get(next).low);
      } else if (seen.onStack) {
        entry.low = Math.min(entry.low, seen.index);
      }
    }
    if (entry.low === entry.index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        state.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of nodes) if (!state.has(node)) visit(node);
  return found;
}

for (const component of cycles([...graph.keys()], graph)) problems.push(`import cycle between files: ${component.join(', ')}`);

const folderOf = (file) => dirname(file);
const folderEdges = new Map();
for (const [file, imports] of graph) {
  for (const target of imports) {
    const a = folderOf(file);
    const b = folderOf(target);
    if (a === b) continue;
    if (!folderEdges.has(a)) folderEdges.set(a, new Set());
    folderEdges.get(a).add(b);
  }
}
const folders = [...new Set([...graph.keys()].map(folderOf))];
const folderGraph = new Map(folders.map((f) => [f, [...(folderEdges.get(f) ?? [])]]));
for (const component of cycles(folders, folderGraph)) {
  const witnesses = [];
  for (const [file, imports] of graph) {
    for (const target of imports) {
      if (folderOf(file) !== folderOf(target) && component.includes(folderOf(file)) && component.includes(folderOf(target))) witnesses.push(`${file} -> ${target}`);
    }
  }
  problems.push(`import cycle between folders: ${component.join(', ')} (${witnesses.join('; ')})`);
}

if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem(s) in ${graph.size} files:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`check-imports: ${graph.size} files of ${ROOTS.join('/, ')}/, no cycle between files or folders, layers respected`);
