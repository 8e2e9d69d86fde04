// Prompt templates as PROTOCOL.md "Prompts: templates" defines them: `{{ name }}` and
// `{name}`, one substitution pass, every missing variable named in one error.

import { globalState } from '../context/global-state.js';
import { NorthstarPromptError } from './prompt-error.js';

/** `{{ name }}` (whitespace optional inside) or `{name}` not directly inside more braces. */
const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g;

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
/** A variable name at the type level: not empty, no digit first, none of the characters a name cannot hold. */
type Name<S extends string> = S extends ''
  ? never
  : S extends `${Digit}${string}`
    ? never
    : S extends `${string}${' ' | '.' | '{' | '}' | '"' | "'" | ':' | ',' | '-' | '\n'}${string}`
      ? never
      : S;
type DoubleBraced<T extends string> = T extends `${string}{{${infer Inner}}}${infer Rest}` ? Name<Trim<Inner>> | DoubleBraced<Rest> : never;
type SingleBraced<T extends string> = T extends `${infer Before}{${infer Inner}}${infer Rest}`
  ? (Before extends `${string}{` ? never : Rest extends `}${string}` ? never : Name<Inner>) | SingleBraced<Rest>
  : never;

/**
 * The variables a template needs, inferred from a template literal type
 * (`PromptVariables<'Hi {{ name }}, {city}'>` is `{ name: unknown; city: unknown }`);
 * `Record<string, unknown>` when the template is only known at run time.
 */
export type PromptVariables<T extends string = string> = string extends T
  ? Record<string, unknown>
  : { [K in DoubleBraced<T> | SingleBraced<T>]: unknown } & Record<string, unknown>;

/** The sorted, de-duplicated variable names of a template (both forms). */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(VARIABLE)) names.add((match[1] ?? match[2])!);
  return [...names].sort();
}

/** How a value reads inside rendered text: strings as they are, everything else as JSON. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

/** Substitutes `values` in ONE pass: a substituted value is never scanned again. */
export function substitute(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(VARIABLE, (whole, double: string | undefined, single: string | undefined) => values.get((double ?? single)!) ?? whole);
}

/** What a compile of one template or message list needs and leaves over. */
export interface VariableResolution {
  /** The rendered string of each variable the template uses. */
  readonly rendered: Map<string, string>;
  /** The value of each variable the template uses (given, or the version's default). */
  readonly used: Record<string, unknown>;
  /** Given variables the template does not use. */
  readonly unused: string[];
}

/**
 * Picks the values of `names` from `variables` (then `defaults`); throws a
 * `NorthstarPromptError` (`missing_variables`) naming every missing one.
 */
export function resolveVariables(
  names: readonly string[],
  variables: Record<string, unknown> | undefined,
  defaults: ReadonlyMap<string, unknown>,
  where: { slug: string; label?: string },
): VariableResolution {
  const given = variables ?? {};
  if (typeof given !== 'object' || given === null) throw new TypeError('compile: variables must be an object');
  const rendered = new Map<string, string>();
  const used: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const name of names) {
    const value = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : undefined;
    const chosen = value !== undefined ? value : defaults.get(name);
    if (chosen === undefined) {
      missing.push(name);
      continue;
    }
    rendered.set(name, renderValue(chosen));
    Object.defineProperty(used, name, { value: chosen, enumerable: true, writable: true, configurable: true });
  }
  if (missing.length > 0) {
    throw new NorthstarPromptError(
      'missing_variables',
      `prompt ${JSON.stringify(where.slug)}: missing variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      { slug: where.slug, label: where.label, missingVariables: missing },
    );
  }
  const known = new Set(names);
  const unused = Object.keys(given).filter((key) => !known.has(key));
  return { rendered, used, unused };
}

/**
 * Renders a template string with the same rules as `PromptVersion.compile` (one pass,
 * every missing variable named); the variable names are typed from a literal template.
 *
 * @example
 * compileTemplate('Hi {{ name }}, weather in {city}?', { name: 'Ada', city: 'Oslo' });
 */
export function compileTemplate<T extends string>(template: T, variables: PromptVariables<T>): string {
  if (typeof template !== 'string') throw new TypeError('compileTemplate: template must be a string');
  const resolution = resolveVariables(templateVariables(template), variables as Record<string, unknown>, new Map(), { slug: '(template)' });
  if (resolution.unused.length > 0) {
    globalState.active?.logger.debug(`compileTemplate: variables not in the template: ${resolution.unused.join(', ')}`);
  }
  return substitute(template, resolution.rendered);
}
