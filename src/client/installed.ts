import { globalState } from '../context/global-state.js';
import type { Northstar } from './northstar.js';

/** The client `init()` installed, if any (the process-wide one, shared by every loaded copy). */
export function installedClient(): Northstar | undefined {
  // The one reader of the slot: what `installClient` stored (here or in another loaded copy, which has the same shape).
  return globalState.client as Northstar | undefined;
}

/** Makes `client` the one the API functions and decorators use; returns the previous one. */
export function installClient(client: Northstar): Northstar | undefined {
  const previous = installedClient();
  globalState.client = client;
  globalState.active = client.core;
  return previous;
}
