// Initialises the SDK and traces nothing: the process must exit at once, sending nothing.
import { init } from '../../../dist/esm/src/index.js';

init({ apiKey: process.env.NS_KEY, endpoint: process.env.NS_URL, flushIntervalMs: 50 });
