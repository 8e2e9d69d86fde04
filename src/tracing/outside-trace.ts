import { globalState } from '../context/global-state.js';
import type { ClientCore } from '../context/client-core.js';

const told = new WeakSet<object>();

/**
 * Says once per client, in debug mode, that a span was asked for outside any trace (so
 * it ran untraced). Costs one load when the SDK is off; called only on that path.
 */
export function noteOutsideTrace(what: string, name: string): void {
  const client = globalState.active as ClientCore | undefined;
  if (client === undefined || !client.config.debug || told.has(client)) return;
  told.add(client);
  client.logger.debug(
    `${what} ${JSON.stringify(name)} was called outside any trace, so it ran untraced (said once). ` +
      'Spans only exist inside a trace: call it from a function wrapped with trace() or decorated with @Trace(), or inside trace(name, (t) => ...).',
  );
}
