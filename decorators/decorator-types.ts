/**
 * A NorthStar method decorator. One call signature per decorator mode, so it type-checks
 * without casts under `experimentalDecorators` and under standard (stage-3) decorators.
 */
export interface NorthstarMethodDecorator {
  /** Legacy (`experimentalDecorators`). */
  <T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T> | void;
  /** Standard (stage-3). */
  <This, F extends (this: This, ...args: any) => any>(value: F, context: ClassMethodDecoratorContext<This, F>): F | void;
}

/** A NorthStar class decorator, for either decorator mode. */
export interface NorthstarClassDecorator {
  /** Legacy (`experimentalDecorators`). */
  <C extends Function>(target: C): C | void;
  /** Standard (stage-3). */
  <C extends abstract new (...args: any) => any>(value: C, context: ClassDecoratorContext<C>): C | void;
}

/**
 * A NorthStar parameter decorator. Parameter decorators exist only under
 * `experimentalDecorators`; called as a stage-3 decorator it throws (use the `params` option).
 */
export interface NorthstarParameterDecorator {
  /** Legacy (`experimentalDecorators`). */
  (target: object, propertyKey: string | symbol | undefined, parameterIndex: number): void;
  /** Standard (stage-3) decorators have no parameter decorators: this always throws. */
  (value: unknown, context: DecoratorContext): never;
}
