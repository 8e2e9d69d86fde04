// Child process (CommonJS): traces and ends without flushing; the exit hook delivers.
const { init, trace } = require('../../../dist/cjs/src/index.js');

init({ project: 'child-script-cjs' });
trace('cjs-run', (t) => {
  t.logEvent('from-cjs', { ok: true });
  return 'done';
});
process.stdout.write('traced\n');
