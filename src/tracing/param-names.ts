const cache = new WeakMap<Function, readonly string[]>();

/**
 * Parameter names of a function, read from its source (TypeScript output for either
 * target, default values, rest parameters and comments included). A parameter whose
 * name cannot be read (destructuring) is named `arg<index>`. Cached per function.
 */
export function parameterNames(fn: Function): readonly string[] {
  let names = cache.get(fn);
  if (names === undefined) {
    names = parse(fn);
    cache.set(fn, names);
  }
  return names;
}

function parse(fn: Function): readonly string[] {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return [];
  }
  const list = parameterList(stripComments(source));
  if (list === undefined) return [];
  return splitTopLevel(list).map((raw, index) => {
    const text = raw.trim().replace(/^\.\.\./, '').trim();
    const match = /^([A-Za-z_$][\w$]*)\s*(?:=|$)/.exec(text);
    return match ? match[1]! : `arg${index}`;
  });
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** The text between the parentheses of the parameter list (or a lone arrow parameter). */
function parameterList(source: string): string | undefined {
  const open = source.indexOf('(', computedKeyEnd(source));
  const arrow = source.indexOf('=>');
  if (arrow !== -1 && (open === -1 || arrow < open)) {
    // `x => ...` or `async x => ...`
    const head = source.slice(0, arrow).trim().replace(/^async\s+/, '');
    return head;
  }
  if (open === -1) return undefined;
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return source.slice(open + 1, i);
    }
  }
  return undefined;
}

/** Where a computed method key (`[Symbol.iterator](...)`, `async *[key](...)`) ends, or 0. */
function computedKeyEnd(source: string): number {
  const start = /^\s*(?:(?:static|async|get|set)\s+)*\*?\s*\[/.exec(source);
  if (start === null) return 0;
  let depth = 0;
  for (let i = start[0].length - 1; i < source.length; i++) {
    if (source[i] === '[') depth++;
    else if (source[i] === ']' && --depth === 0) return i + 1;
  }
  return 0;
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  const last = list.slice(start);
  if (last.trim() !== '') parts.push(last);
  return parts;
}
