// Child process (CommonJS): the same as prompt-refresh-exit.mjs through the CommonJS build.
const { init, pullPrompt } = require('../../../dist/cjs/src/index.js');

init({ project: 'prompt-refresh-cjs' });
(async () => {
  const first = await pullPrompt('support-reply', { cacheTtlMs: 0 });
  const second = await pullPrompt('support-reply', { cacheTtlMs: 0 });
  process.stdout.write(`pulled v${first.version}, stale copy served: ${second === first}\n`);
})();
