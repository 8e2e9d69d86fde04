// Child process: pulls a prompt, lets its cached entry go stale (cacheTtlMs 0), pulls it
// again (the stale version comes back at once and a refresh starts in the background),
// then ends. The server never answers that refresh: the script must still exit on its own.
import { init, pullPrompt } from '../../../dist/esm/src/index.js';

init({ project: 'prompt-refresh' });
const first = await pullPrompt('support-reply', { cacheTtlMs: 0 });
const second = await pullPrompt('support-reply', { cacheTtlMs: 0 });
process.stdout.write(`pulled v${first.version}, stale copy served: ${second === first}\n`);
