// Child process: traces a little agent run and then simply ends, with no flush or
// shutdown call. The exit hook must deliver everything before the process exits.
// Configured by the environment: NORTHSTAR_API_KEY, NORTHSTAR_ENDPOINT.
import { init, logMetric, span, trace } from '../../../dist/esm/src/index.js';

init({ project: 'child-script' });

const answer = trace(async function answer(question) {
  const docs = await span('retrieve', { kind: 'tool' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return ['doc-1', 'doc-2'];
  });
  logMetric('docs', docs.length);
  return `answer to ${question}`;
});

const runs = Number(process.env.CHILD_RUNS ?? '1');
for (let i = 0; i < runs; i++) await answer(`question ${i}`);
process.stdout.write('traced\n');
