import { decoratorMode, legacyMemberLabel, misuse, type Stage3Context, stage3MemberLabel } from './decorator-mode.js';
import type { NorthstarParameterDecorator } from './decorator-types.js';
import { markParameter, type ParamRule } from './param-metadata.js';
import { NorthstarDecoratorError } from '../src/internal.js';

/**
 * Captures this parameter (under `name`, default its own name). Once any parameter of a
 * method is marked `@Input`, only marked parameters are recorded. Legacy decorators only;
 * the stage-3 equivalent is the `params` option.
 *
 * @example
 * // experimentalDecorators                      // standard decorators
 * @Tool()                                        @Tool({ params: ['query'] })
 * search(@Input('query') q: string, ctx: Ctx)    search(q: string, ctx: Ctx)
 */
export function Input(name?: string): NorthstarParameterDecorator {
  if (name !== undefined && typeof name !== 'string') throw new NorthstarDecoratorError('@Input(): the name must be a string');
  return parameterDecorator('Input', name === undefined ? { input: true } : { input: true, name });
}

/**
 * Leaves this parameter out of the recorded input (request objects, contexts, clients,
 * streams). Legacy decorators only; stage-3: `params: [..., null]`.
 *
 * @example
 * @Trace()
 * handle(@Body() body: Query, @Ignore() @Req() req: Request) { ... }
 */
export function Ignore(): NorthstarParameterDecorator {
  return parameterDecorator('Ignore', { ignore: true });
}

/**
 * Records this parameter as `"[REDACTED]"`. Legacy decorators only; stage-3:
 * `params: [..., { redact: true }]`.
 *
 * @example
 * @Tool()
 * login(user: string, @Redact() password: string) { ... }
 */
export function Redact(): NorthstarParameterDecorator {
  return parameterDecorator('Redact', { redact: true });
}

/**
 * Marks the parameter holding the messages sent to the model, the input of `@ModelCall`.
 * Legacy decorators only; stage-3: `params: [{ messages: true }]`.
 *
 * @example
 * @ModelCall('chat', { model: 'gpt-4o-mini' })
 * complete(@Messages() history: ChatMessage[], temperature = 0) { ... }
 */
export function Messages(): NorthstarParameterDecorator {
  return parameterDecorator('Messages', { messages: true });
}

function parameterDecorator(decorator: string, mark: ParamRule): NorthstarParameterDecorator {
  return function northstarParameterDecorator(target: unknown, key: unknown, index?: unknown): void {
    if (decoratorMode(arguments) === 'stage3') {
      throw misuse(
        decorator,
        `the ${(key as Stage3Context).kind}`,
        stage3MemberLabel(key as Stage3Context),
        'standard (TC39) decorators have no parameter decorators; use the `params` option ' +
          "(e.g. @Trace({ params: ['query', null, { name: 'apiKey', redact: true }] })) or the `input` option instead",
      );
    }
    if (typeof index !== 'number') {
      const what = arguments.length < 2 ? 'the class' : typeof index === 'object' && index !== null ? 'the method' : 'the field';
      throw misuse(decorator, what, legacyMemberLabel(target, key as string | symbol | undefined), 'it decorates method parameters');
    }
    if (key === undefined) {
      throw misuse(decorator, 'a constructor parameter of', legacyMemberLabel(target, undefined).replace(/\.constructor$/, ''), 'it decorates method parameters');
    }
    markParameter(target as object, key as string | symbol, index, mark);
  } as NorthstarParameterDecorator;
}
