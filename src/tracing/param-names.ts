/** What the scanner reads of a function's parameter list. */
export interface ParameterInfo {
  /** One name per declared parameter, `arg<index>` where it cannot be read (destructuring). */
  readonly names: readonly string[];
  /** The position of a rest parameter (`...rest`, always the last), or -1. */
  readonly restIndex: number;
}

const NONE: ParameterInfo = Object.freeze({ names: Object.freeze([]), restIndex: -1 });
const cache = new WeakMap<Function, ParameterInfo>();

/**
 * Parameter names of a function and where its rest parameter is, read from its source
 * (TypeScript output for either target, default values, rest parameters and comments
 * included). Cached per function.
 */
export function parameterInfo(fn: Function): ParameterInfo {
  let info = cache.get(fn);
  if (info === undefined) {
    info = parse(fn);
    cache.set(fn, info);
  }
  return info;
}

/** The parameter names of `parameterInfo`. */
export function parameterNames(fn: Function): readonly string[] {
  return parameterInfo(fn).names;
}

function parse(fn: Function): ParameterInfo {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return NONE;
  }
  const list = parameterList(stripComments(source));
  if (list === undefined) return NONE;
  let restIndex = -1;
  const names = splitTopLevel(list).map((raw, index) => {
    let text = raw.trim();
    if (text.startsWith('...')) {
      restIndex = index;
      text = text.slice(3).trim();
    }
    const match = /^([A-Za-z_$][\w$]*)\s*(?:=|$)/.exec(text);
    return match ? match[1]! : `arg${index}`;
  });
  return { names, restIndex };
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** The text between the parentheses of the parameter list (or a lone arrow parameter). */
function parameterList(source: string): string | undefined {
  const keyEnd = computedKeyEnd(source);
  const open = source.indexOf('(', keyEnd);
  // A method with a computed key is never an arrow function, whatever its key holds.
  const arrow = keyEnd === 0 ? source.indexOf('=>') : -1;
  if (arrow !== -1 && (open === -1 || arrow < open)) {
    // `x => ...` or `async x => ...`
    const head = source.slice(0, arrow).trim().replace(/^async\s+/, '');
    return head;
  }
  if (open === -1) return undefined;
  let end = -1;
  scan(source, open, (index, char, depth) => {
    if (char === ',' || depth > 0) return false;
    end = index;
    return true;
  });
  return end === -1 ? undefined : source.slice(open + 1, end);
}

/** Where a computed method key (`[Symbol.iterator](...)`, `async *[key](...)`) ends, or 0. */
function computedKeyEnd(source: string): number {
  // Bun prints `async[(_dec = [...], "name")](...)`: no space between `async` and `[`.
  const start = /^\s*(?:(?:static|async|get|set)(?:\s+|(?=[[*])))*\*?\s*\[/.exec(source);
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
  let start = 0;
  scan(list, 0, (index, char, depth) => {
    if (char === ',' && depth === 0) {
      parts.push(list.slice(start, index));
      start = index + 1;
    }
    return false;
  });
  const last = list.slice(start);
  if (last.trim() !== '') parts.push(last);
  return parts;
}

/**
 * Walks `text` from `from`, skipping string literals, and calls `visit` at every comma
 * and closing bracket with the bracket depth after it; stops when `visit` returns true.
 */
function scan(text: string, from: number, visit: (index: number, char: string, depth: number) => boolean): void {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (visit(i, c, --depth)) return;
    } else if (c === ',' && visit(i, c, depth)) return;
  }
}
