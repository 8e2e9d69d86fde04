// NestJS integration without a runtime dependency on @nestjs/*: a dynamic module is a
// plain object `{ module, global, providers, exports }` and lifecycle hooks are methods
// Nest calls by name, so nothing here imports Nest. The provider shapes below are the
// structural subset of Nest's `Provider` types, so `forRoot()` type-checks in
// `@Module({ imports })` without this package's typings referencing @nestjs/common.
import { init, Northstar, type NorthstarOptions } from '../../src/internal.js';

/**
 * Injection token of the `Northstar` client that `NorthstarModule` installed. The client
 * can also be injected by type (`constructor(private readonly northstar: Northstar)`).
 *
 * @example
 * constructor(@Inject(NORTHSTAR_CLIENT) private readonly northstar: Northstar) {}
 */
// Symbol.for: the ESM and CommonJS copies of the package share one token.
export const NORTHSTAR_CLIENT: unique symbol = Symbol.for('northstar-ai.nest.client');

const NORTHSTAR_OPTIONS: unique symbol = Symbol.for('northstar-ai.nest.options');
const NORTHSTAR_LIFECYCLE: unique symbol = Symbol.for('northstar-ai.nest.lifecycle');

/** A Nest injection token: a class, a string or a symbol. */
type NestToken = string | symbol | Function;

/** The providers and dynamic module `NorthstarModule` hands to Nest (a subset of Nest's own types). */
type NestProvider =
  | { provide: NestToken; useValue: unknown }
  | { provide: NestToken; useFactory: (...args: any[]) => unknown; inject?: Array<NestToken | { token: NestToken; optional: boolean }> }
  | { provide: NestToken; useExisting: unknown };

/** What `NorthstarModule.forRoot()` and `forRootAsync()` return: a global Nest dynamic module. */
export interface NorthstarDynamicModule {
  module: typeof NorthstarModule;
  global: boolean;
  imports?: any[];
  providers: NestProvider[];
  exports: NestToken[];
}

/** Options of `NorthstarModule.forRootAsync()`, resolved by Nest's injector. */
export interface NorthstarModuleAsyncOptions {
  /** Builds the `init()` options from the providers listed in `inject`; may be async. */
  useFactory: (...args: any[]) => NorthstarOptions | Promise<NorthstarOptions>;
  /** Providers passed to `useFactory`, in order (e.g. `[ConfigService]`). @default [] */
  inject?: Array<NestToken | { token: NestToken; optional: boolean }>;
  /** Modules that export the injected providers (e.g. `[ConfigModule]`). @default [] */
  imports?: any[];
}

/**
 * Ends the module's client on `app.close()`, once the HTTP server stopped taking
 * requests. Nest runs the shutdown hooks of global modules last, so runs recorded by
 * other modules' `onApplicationShutdown` hooks are still sent.
 */
class NorthstarLifecycle {
  constructor(private readonly client: Northstar) {}

  /** Called by Nest; flushes and ends the session. Never rejects, so shutdown goes on. */
  onApplicationShutdown(): Promise<boolean> {
    return this.client.shutdown();
  }
}

/**
 * Configures NorthStar the Nest way: a global module that calls `init()` when the
 * application is created, provides the client (as `NORTHSTAR_CLIENT` and by the
 * `Northstar` type), and flushes and ends the session on `app.close()`. Shutdown on
 * SIGTERM needs `app.enableShutdownHooks()`, as for every Nest shutdown hook.
 *
 * @example
 * ```ts
 * @Module({ imports: [NorthstarModule.forRoot({ apiKey: process.env.NORTHSTAR_API_KEY, project: 'support-bot' })] })
 * export class AppModule {}
 * ```
 */
export class NorthstarModule {
  /** A global module that calls `init(options)` (options win over `NORTHSTAR_*` environment variables). */
  static forRoot(options: NorthstarOptions = {}): NorthstarDynamicModule {
    // The options are a value provider, not captured by a closure: Nest tells dynamic
    // modules apart by hashing their metadata, and a closure hashes as its source text.
    return moduleWith([{ provide: NORTHSTAR_OPTIONS, useValue: options }]);
  }

  /**
   * Like `forRoot`, with the options built by a factory from other providers.
   *
   * @example
   * NorthstarModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ apiKey: config.get('NORTHSTAR_API_KEY') }),
   * })
   */
  static forRootAsync(options: NorthstarModuleAsyncOptions): NorthstarDynamicModule {
    const module = moduleWith([
      { provide: NORTHSTAR_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
    ]);
    return options.imports ? { ...module, imports: options.imports } : module;
  }
}

function moduleWith(optionsProviders: NestProvider[]): NorthstarDynamicModule {
  return {
    module: NorthstarModule,
    global: true,
    providers: [
      ...optionsProviders,
      // Created when Nest instantiates providers, before any onModuleInit hook, so
      // traced code in other modules' hooks already reports.
      { provide: NORTHSTAR_CLIENT, useFactory: (options: NorthstarOptions) => init(options), inject: [NORTHSTAR_OPTIONS] },
      { provide: Northstar, useExisting: NORTHSTAR_CLIENT },
      { provide: NORTHSTAR_LIFECYCLE, useFactory: (client: Northstar) => new NorthstarLifecycle(client), inject: [NORTHSTAR_CLIENT] },
    ],
    exports: [NORTHSTAR_CLIENT, Northstar],
  };
}
