import { NorthstarDecoratorError } from '../src/internal.js';

/** The two ways TypeScript (and Babel) call a decorator. */
export type DecoratorMode = 'legacy' | 'stage3';

/** What a stage-3 decorator receives as its second argument, loosely typed for runtime checks. */
export interface Stage3Context {
  readonly kind: 'class' | 'method' | 'getter' | 'setter' | 'field' | 'accessor' | string;
  readonly name: string | symbol | undefined;
  readonly static?: boolean;
  readonly private?: boolean;
}

/**
 * Tells legacy decorators (`experimentalDecorators`: `(target, key, descriptor)`,
 * `(target, key, index)`, `(constructor)`) from stage-3 decorators (`(value, context)`,
 * where `context.kind` is a string). The only place in the package that decides it.
 */
export function decoratorMode(args: ArrayLike<unknown>): DecoratorMode {
  if (args.length !== 2) return 'legacy';
  const context = args[1];
  return context !== null && typeof context === 'object' && typeof (context as { kind?: unknown }).kind === 'string' ? 'stage3' : 'legacy';
}

/** `name` of a property key as a function would show it (`[Symbol.iterator]` for symbols). */
export function keyText(key: string | symbol | undefined): string {
  if (key === undefined) return 'constructor';
  return typeof key === 'symbol' ? `[${key.description ?? ''}]` : key;
}

/** `Class.member` of a legacy decorator target (the prototype, or the constructor for statics). */
export function legacyMemberLabel(target: unknown, key: string | symbol | undefined): string {
  let owner = '<anonymous class>';
  try {
    const ctor = typeof target === 'function' ? target : (target as { constructor?: Function } | null)?.constructor;
    if (typeof ctor === 'function' && ctor.name) owner = ctor.name;
  } catch {
    // An exotic target: the member name alone still helps.
  }
  return `${owner}.${keyText(key)}`;
}

/**
 * The member of a stage-3 context. Stage-3 decorators do not see the class while its
 * members are decorated, so only the member is named (`static`/`#private` shown).
 */
export function stage3MemberLabel(context: Stage3Context): string {
  const name = context.kind === 'class' ? String(context.name ?? '<anonymous class>') : keyText(context.name);
  return context.static ? `static ${name}` : name;
}

/** The error of a decorator placed where it cannot work, naming the decorator and the member. */
export function misuse(decorator: string, what: string, member: string, hint: string): NorthstarDecoratorError {
  return new NorthstarDecoratorError(`@${decorator}() cannot decorate ${what} ${member}: ${hint}`);
}
