// Child process: the SDK disabled (no API key); a traced function still runs and the
// process exits at once without printing anything on stderr.
import { init, trace } from '../../../dist/esm/src/index.js';

init({ enabled: process.env.CHILD_ENABLED !== '0' });
const double = trace(async function double(x) {
  return x * 2;
});
process.stdout.write(`${await double(21)}\n`);
