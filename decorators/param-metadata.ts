import 'reflect-metadata';

import { argumentsByName, parameterInfo, REDACTED, setInput } from '../src/internal.js';
import type { ParamCapture } from './decorator-options.js';

/** Our reflect-metadata key for parameter marks, on (class prototype or constructor, method name). */
export const PARAMS_METADATA_KEY = 'northstar:params';

/** How one parameter is recorded. */
export interface ParamRule {
  /** Marked with `@Input`: once any parameter is, only marked ones are recorded. */
  readonly input?: boolean;
  /** Recorded under this name instead of the parameter's. */
  readonly name?: string;
  readonly ignore?: boolean;
  readonly redact?: boolean;
  /** The model input of `@ModelCall`. */
  readonly messages?: boolean;
}

/** The rules of a method's parameters, by position. */
export type ParamRules = readonly (ParamRule | undefined)[];

/** Adds `mark` to the rule of parameter `index` of `target[key]` (legacy parameter decorators). */
export function markParameter(target: object, key: string | symbol, index: number, mark: ParamRule): void {
  const rules: (ParamRule | undefined)[] = [...((Reflect.getOwnMetadata(PARAMS_METADATA_KEY, target, key) as ParamRules | undefined) ?? [])];
  rules[index] = { ...rules[index], ...mark };
  Reflect.defineMetadata(PARAMS_METADATA_KEY, rules, target, key);
}

/** The parameter marks stored for `target[key]`, if any. */
export function parameterMarks(target: object | undefined, key: string | symbol | undefined): ParamRules | undefined {
  if (target === undefined || key === undefined || typeof Reflect.getOwnMetadata !== 'function') return undefined;
  return Reflect.getOwnMetadata(PARAMS_METADATA_KEY, target, key) as ParamRules | undefined;
}

/** The rules of a `params` option. */
export function rulesFromParams(params: readonly ParamCapture[]): ParamRules {
  return params.map((entry): ParamRule | undefined => {
    if (entry === null) return { ignore: true };
    if (typeof entry === 'string') return { name: entry };
    if (entry === undefined || typeof entry !== 'object') return undefined;
    return { name: typeof entry.name === 'string' ? entry.name : undefined, redact: entry.redact === true, messages: entry.messages === true };
  });
}

/**
 * The recorded input of a call to `fn` under `rules`: each argument under its parameter
 * name (`arg<index>` when unknown; a rest parameter gets the remaining arguments as an
 * array), renamed, left out or redacted by the rule at its position. Without rules it is
 * the engine's default (`argumentsByName`).
 */
export function selectByRules(fn: Function, rules: ParamRules): (args: readonly unknown[]) => unknown {
  if (rules.length === 0) {
    const byName = argumentsByName(fn) as { select(args: readonly unknown[]): unknown };
    return (args) => byName.select(args);
  }
  const { names, restIndex } = parameterInfo(fn);
  const onlyMarked = rules.some((rule) => rule?.input === true);
  return (args) => {
    const input: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i++) {
      const rule = rules[i];
      const rest = i === restIndex;
      if (!rule?.ignore && (!onlyMarked || rule?.input)) {
        setInput(input, rule?.name ?? names[i] ?? `arg${i}`, rule?.redact ? REDACTED : rest ? args.slice(i) : args[i]);
      }
      if (rest) break;
    }
    return input;
  };
}

/**
 * The model input of a call: the parameter marked as messages, else a parameter named
 * `messages`, else the first argument that looks like a provider request (an object
 * holding `messages`, `input` or `system`), else the arguments as `selectByRules` gives them.
 */
export function selectModelInput(fn: Function, rules: ParamRules): (args: readonly unknown[]) => unknown {
  let index = rules.findIndex((rule) => rule?.messages === true);
  if (index === -1) index = parameterInfo(fn).names.indexOf('messages');
  if (index !== -1) {
    const at = index;
    return (args) => (rules[at]?.redact ? REDACTED : args[at]);
  }
  const byRules = selectByRules(fn, rules);
  return (args) => {
    for (const arg of args) if (isProviderRequest(arg)) return arg;
    return byRules(args);
  };
}

function isProviderRequest(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && ('messages' in value || 'input' in value || 'system' in value);
}
