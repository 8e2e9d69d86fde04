import 'reflect-metadata';

import { decoratorMode, legacyMemberLabel, misuse, type Stage3Context, stage3MemberLabel } from './decorator-mode.js';
import type { TracedOptions } from './decorator-options.js';
import type { NorthstarClassDecorator } from './decorator-types.js';
import { adoptMethods, TRACED_METADATA_KEY } from './method-wrapper.js';

/**
 * Gives the NorthStar-decorated methods of the class (instance and static) default
 * options; each method's own options win. It adds no tracing by itself. Under stage-3
 * decorators it cannot see `#private` methods: give those their options directly.
 *
 * @example
 * @Traced({ captureOutput: false, tags: ['billing'] })
 * class BillingAgent {
 *   @Trace() charge(customerId: string) { ... }          // output not recorded
 *   @Tool({ captureOutput: true }) lookup(id: string) { ... }   // output recorded
 * }
 */
export function Traced(defaults: TracedOptions = {}): NorthstarClassDecorator {
  if (defaults === null || typeof defaults !== 'object') throw misuse('Traced', 'with', 'non-object options', 'pass an options object');
  return function northstarClassDecorator(target: unknown, context?: unknown): undefined {
    if (decoratorMode(arguments) === 'stage3') {
      const c = context as Stage3Context;
      if (c.kind !== 'class') throw misuse('Traced', `the ${c.kind}`, stage3MemberLabel(c), 'it decorates classes');
    } else if (arguments.length !== 1 || typeof target !== 'function') {
      throw misuse('Traced', 'the member', legacyMemberLabel(target, context as string | symbol | undefined), 'it decorates classes');
    }
    // Class decorators run after member decorators in both modes, so the methods are there.
    Reflect.defineMetadata(TRACED_METADATA_KEY, defaults, target as Function);
    adoptMethods(target as Function);
    return undefined;
  } as NorthstarClassDecorator;
}
