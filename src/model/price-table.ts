import type { calcPrice as CalcPrice } from '@pydantic/genai-prices';

// The price table (@pydantic/genai-prices, ~75 ms to load) is loaded on the first model
// call that needs a price, not at import, so a cold start that makes no model call does
// not pay for it. `calcPrice` is synchronous and so is a span's end, so the table is
// loaded synchronously where the runtime can: the CommonJS build's own `require`, or in
// ESM `createRequire(import.meta.url)` from `process.getBuiltinModule('node:module')`
// (Node >= 20.16, Bun, Deno). Elsewhere (edge runtimes, bundles) it is imported
// asynchronously: calls that end before it arrived record `pricing_source: "unknown"`.
// (scripts/build.mjs rewrites `import.meta.url` to `__filename` in the CommonJS build.)

type Calc = typeof CalcPrice;

let table: Calc | null | undefined;
let importing = false;

function syncRequire(): ((id: string) => unknown) | undefined {
  if (typeof require === 'function') return require;
  try {
    const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const nodeModule = getBuiltinModule?.('node:module') as { createRequire?: (from: string) => (id: string) => unknown } | undefined;
    // @ts-ignore import.meta is rewritten for the CommonJS build (see above)
    return nodeModule?.createRequire?.(import.meta.url);
  } catch {
    return undefined;
  }
}

function importLater(): void {
  if (importing) return;
  importing = true;
  import('@pydantic/genai-prices').then(
    (module) => {
      table = module.calcPrice;
    },
    () => {
      table = null;
    },
  );
}

/** The price function, loading the table on first use; undefined while it is not (yet) available. */
export function priceTable(): Calc | undefined {
  if (table === undefined) {
    try {
      const load = syncRequire();
      const module = load?.('@pydantic/genai-prices') as { calcPrice?: Calc } | undefined;
      if (typeof module?.calcPrice === 'function') table = module.calcPrice;
    } catch {
      // No synchronous loader here: fall back to an asynchronous import.
    }
    if (table === undefined) {
      importLater();
      return undefined;
    }
  }
  return table ?? undefined;
}
