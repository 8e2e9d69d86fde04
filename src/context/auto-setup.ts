/**
 * Setup from the environment alone: until `init()` is called, the first traced call runs
 * `run` once (registered by `src/api/lifecycle.ts`, which knows how to install a
 * client). After that first attempt the hot path pays one boolean load.
 */
export const autoSetup: { pending: boolean; run: (() => void) | undefined } = { pending: true, run: undefined };

/** Runs the environment setup if it has not been tried yet; never throws. */
export function setUpOnFirstUse(): void {
  if (!autoSetup.pending) return;
  autoSetup.pending = false;
  try {
    autoSetup.run?.();
  } catch {
    // The setup reports its own problems; a traced call must never fail because of it.
  }
}
