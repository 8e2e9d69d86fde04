// Child process: initialises the SDK and traces nothing. It must exit at once: no
// timer, socket or pending work of the SDK may keep it alive.
import { flush, init, logEvent } from '../../../dist/esm/src/index.js';

init({ project: 'idle' });
logEvent('outside-a-trace');
if (process.env.CHILD_FLUSH === '1') await flush();
process.stdout.write('idle\n');
