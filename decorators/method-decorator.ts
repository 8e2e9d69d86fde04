import { decoratorMode, legacyMemberLabel, misuse, type Stage3Context, stage3MemberLabel } from './decorator-mode.js';
import type { NorthstarMethodDecorator } from './decorator-types.js';
import { type MethodDefinition, wrapMethod } from './method-wrapper.js';
import { checkCallOptions, DECORATOR_OPTIONS, NorthstarDecoratorError, type SpanKind } from '../src/internal.js';

const ONLY_METHODS = 'only methods can be traced';
const KINDS: ReadonlySet<SpanKind> = new Set(['agent', 'workflow', 'tool', 'custom']);

/**
 * The decorator a NorthStar method decorator factory returns, for either mode. Anything
 * but a method (a field, accessor, getter, setter, class or parameter) throws
 * `NorthstarDecoratorError` at decoration time, naming the decorator and the member.
 */
export function methodDecorator(decorator: string, definition: MethodDefinition): NorthstarMethodDecorator {
  checkOptions(decorator, definition);
  return function northstarMethodDecorator(target: unknown, key?: unknown, descriptor?: unknown): unknown {
    if (decoratorMode(arguments) === 'stage3') {
      const context = key as Stage3Context;
      const member = stage3MemberLabel(context);
      if (context.kind !== 'method') throw misuse(decorator, `the ${context.kind}`, member, ONLY_METHODS);
      if (typeof target !== 'function') throw misuse(decorator, 'the non-function member', member, ONLY_METHODS);
      return wrapMethod(target, definition, { key: context.name });
    }
    if (arguments.length < 2 || key === undefined) {
      const what = typeof target === 'function' && arguments.length < 2 ? 'the class' : 'a constructor parameter of';
      throw misuse(decorator, what, legacyMemberLabel(target, undefined).replace(/\.constructor$/, ''), ONLY_METHODS);
    }
    const member = legacyMemberLabel(target, key as string | symbol);
    if (typeof descriptor === 'number') throw misuse(decorator, 'a parameter of', member, `${ONLY_METHODS}; use @Input(), @Ignore() or @Redact() on parameters`);
    if (descriptor === undefined || descriptor === null || typeof descriptor !== 'object') throw misuse(decorator, 'the field', member, ONLY_METHODS);
    const d = descriptor as PropertyDescriptor;
    if (d.get !== undefined || d.set !== undefined) {
      throw misuse(decorator, d.get !== undefined ? 'the getter' : 'the setter', member, ONLY_METHODS);
    }
    if (typeof d.value !== 'function') throw misuse(decorator, 'the non-function member', member, ONLY_METHODS);
    const home = typeof target === 'function' ? target : (target as { constructor?: Function }).constructor;
    d.value = wrapMethod(d.value as Function, definition, { key: key as string | symbol, metadataTarget: target as object, home });
    return d;
  } as NorthstarMethodDecorator;
}

/**
 * The decorator of a factory call `@X(name?, options?)` or `@X(options)`: rejects bare
 * use (`@X`), reads both forms, and adds `kind` (for `@Tool`, `@Agent`, `@Workflow`).
 */
export function decoratorFromArguments(decorator: string, type: MethodDefinition['type'], args: IArguments, kind?: MethodDefinition['options']['kind']): NorthstarMethodDecorator {
  rejectBareUse(decorator, args);
  const [a, b] = args as unknown as [unknown, unknown];
  const given = ((typeof a === 'object' && a !== null ? a : b) ?? {}) as MethodDefinition['options'];
  const options = kind === undefined ? given : { ...given, kind };
  return methodDecorator(decorator, { type, name: typeof a === 'string' ? a : undefined, options });
}

/** Throws when a factory itself was used as a decorator (`@Trace` instead of `@Trace()`). */
export function rejectBareUse(decorator: string, args: IArguments): void {
  const [a, b] = args as unknown as unknown[];
  if (typeof a === 'function' || (a !== null && typeof a === 'object' && (typeof b === 'string' || typeof b === 'symbol'))) {
    throw new NorthstarDecoratorError(`@${decorator} must be called: write @${decorator}(), not @${decorator}`);
  }
}

/** Fails fast on options that cannot work, naming the decorator and the option. */
function checkOptions(decorator: string, { type, name, options }: MethodDefinition): void {
  const fail = (option: string, why: string) => new NorthstarDecoratorError(`@${decorator}(): option \`${option}\` ${why}`);
  if (name !== undefined && typeof name !== 'string') throw fail('name', 'must be a string');
  if (options.name !== undefined && typeof options.name !== 'string') throw fail('name', 'must be a string');
  if (options.params !== undefined && !Array.isArray(options.params)) throw fail('params', 'must be an array (e.g. [\'query\', null])');
  if (options.kind !== undefined && !KINDS.has(options.kind)) throw fail('kind', `must be one of ${[...KINDS].join(', ')} (use @ModelCall() for model spans)`);
  if (options.tags !== undefined && !Array.isArray(options.tags)) throw fail('tags', 'must be an array of strings');
  // Every option, with the checks of the function API: unknown keys (with a hint), types.
  checkCallOptions(`@${decorator}()`, options, DECORATOR_OPTIONS[type], (message) => new NorthstarDecoratorError(message));
}
