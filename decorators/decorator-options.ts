import type { Attributes, CompiledPrompt, SpanKind } from '../src/internal.js';

/**
 * How one positional parameter is recorded, the stage-3 equivalent of the parameter
 * decorators: a string captures it under that name (like `@Input('name')`), `null`
 * leaves it out (like `@Ignore()`), an object combines `name`, `redact` (like
 * `@Redact()`, records `"[REDACTED]"`) and `messages` (like `@Messages()`, the input of
 * `@ModelCall`). Parameters past the end of the list are captured by name.
 *
 * @example
 * params: ['query', null, { name: 'apiKey', redact: true }]
 */
export type ParamCapture = string | null | undefined | { readonly name?: string; readonly redact?: boolean; readonly messages?: boolean };

/** What decides the recorded input and output of a decorated method. */
export interface CaptureDecoratorOptions {
  /** Record the input; overrides `init({ captureInputs })` (and `@Traced`) for this method. @default inherited */
  captureInput?: boolean;
  /** Record the output; overrides `init({ captureOutputs })` (and `@Traced`) for this method. @default inherited */
  captureOutput?: boolean;
  /**
   * What to record as the input instead of the arguments: a function is called with the
   * call's arguments and its result is recorded; any other value is recorded as is.
   * @default the arguments keyed by parameter name
   * @example
   * @Trace({ input: (question: string, _user: User) => ({ question }) })
   */
  input?: unknown;
  /**
   * Per-parameter capture by position, the stage-3 form of the parameter decorators
   * (when given, it wins over them): a string renames, `null` leaves out, `{ redact }`
   * hides, `{ messages }` marks the model input. Positions not listed, or `undefined`,
   * are captured by parameter name.
   * @default every parameter, keyed by name
   * @example
   * // legacy:  search(@Input('query') q: string, @Ignore() ctx: Ctx, @Redact() apiKey: string)
   * // stage-3: @Tool({ params: ['query', null, { name: 'apiKey', redact: true }] })
   */
  params?: readonly ParamCapture[];
}

/** Options of `@Trace`. */
export interface TraceDecoratorOptions extends CaptureDecoratorOptions {
  /** The run's name. @default the method's name */
  name?: string;
  /** Merged over `project` and `environment` in the run's metadata. */
  metadata?: Attributes;
  /** Stored as `metadata.tags`. */
  tags?: readonly string[];
  /** The end user the runs serve, stored as `metadata.user_id`. */
  userId?: string;
  /** The conversation the runs belong to, stored as `metadata.session_id` and `metadata.conversation_id`. */
  sessionId?: string;
  /** Your app's release, stored as `metadata.release` (overrides `init({ release })`). */
  release?: string;
}

/** Options of `@Observe` (and `@Tool`, `@Agent`, `@Workflow`, which set `kind`). */
export interface ObserveDecoratorOptions extends CaptureDecoratorOptions {
  /** The span's name. @default the method's name */
  name?: string;
  /** The span kind. @default 'custom' */
  kind?: Exclude<SpanKind, 'model'>;
  /** Merged into the span's attributes. */
  attributes?: Attributes;
}

/** Options of `@ModelCall`. */
export interface ModelCallDecoratorOptions extends CaptureDecoratorOptions {
  /** The span's name. @default the method's name */
  name?: string;
  /** The model name, used for pricing (e.g. `gpt-4o-mini`); read from the request or response when absent. */
  model?: string;
  /** The provider (`openai`, `anthropic`, ...); helps pricing resolve the model. */
  provider?: string;
  /** Merged into the span's attributes. */
  attributes?: Attributes;
  /**
   * The compiled prompt the call uses, linked to its span (`prompt_links`): a compiled
   * prompt, or a function of the call's arguments returning one.
   * @default the prompt bound by `withPrompt`, if any
   * @example
   * @ModelCall({ prompt: (question: string) => supportPrompt.compile({ question }) })
   */
  prompt?: CompiledPrompt | ((...args: any[]) => CompiledPrompt | undefined);
}

/**
 * Defaults `@Traced` gives the NorthStar-decorated methods of its class. Method options
 * win: `captureInput`/`captureOutput` when set, keys of `metadata`/`attributes`; `tags`
 * are joined.
 */
export interface TracedOptions {
  /** Default `captureInput` of the class's decorated methods. @default inherited */
  captureInput?: boolean;
  /** Default `captureOutput` of the class's decorated methods. @default inherited */
  captureOutput?: boolean;
  /** Metadata of the class's `@Trace` runs. @default none */
  metadata?: Attributes;
  /** Tags of the class's `@Trace` runs. @default none */
  tags?: readonly string[];
  /** Attributes of the class's child and model spans. @default none */
  attributes?: Attributes;
}
