// Errors record their stack (capped, redacted, paths cleaned) and cause chain next to the
// protocol's { type, message }; traces carry userId, sessionId and release.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { flush, span, trace } from '../../src/index.js';
import { cleanStack, MAX_STACK_LENGTH } from '../../src/tracing/error-details.js';
import { assertNoRejections, createHarness, type Harness, only, runNamed, spansOf } from './ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

async function stored(name: string) {
  assert.equal(await flush(), true);
  assertNoRejections(h.server);
  const run = runNamed(h.server, name);
  return { run, spans: spansOf(h.server, run.id) };
}

describe('error stacks and causes', () => {
  it('a failed run keeps error {type, message} and adds error_stack and error_cause to its metadata', async () => {
    h.start();
    const root = new RangeError('socket closed');
    const middle = new TypeError('fetch failed', { cause: root });
    assert.throws(() =>
      trace('failing', () => {
        throw new Error('tool call failed api_key=sk-live-123456', { cause: middle });
      }),
    );
    const { run } = await stored('failing');
    assert.deepEqual(Object.keys(run.error).sort(), ['message', 'type']);
    const stack: string = run.metadata.error_stack;
    assert.match(stack, /^Error: tool call failed/);
    assert.ok(!stack.includes('sk-live-123456'), 'the stack is redacted like any string');
    assert.ok(!stack.includes(process.cwd()), 'no absolute path of the project');
    assert.match(stack, /build\/[^/]+\/spec\/tracing\/error-details\.spec\.js:\d+:\d+/);
    assert.deepEqual(run.metadata.error_cause, [
      { type: 'TypeError', message: 'fetch failed' },
      { type: 'RangeError', message: 'socket closed' },
    ]);
  });

  it('a failed span gets error_stack in its attributes; a huge stack is capped', async () => {
    h.start();
    const error = new Error('deep');
    error.stack = `Error: deep\n${'    at frame (/somewhere/else/file.js:1:1)\n'.repeat(500)}`;
    await trace('outer', async () => {
      await span('step', async () => {
        throw error;
      }).catch(() => undefined);
    });
    const { spans } = await stored('outer');
    const stack: string = only(spans).attributes.error_stack;
    assert.ok(stack.length <= MAX_STACK_LENGTH + 1, `capped, got ${stack.length}`);
    assert.ok(!stack.includes('/somewhere/else'), 'paths outside the project keep only the file name');
    assert.match(stack, /at frame \(file\.js:1:1\)/);
  });

  it('cleanStack: project paths become relative, node_modules paths start there, file:// URLs too', () => {
    const cwd = '/home/app';
    const stack = [
      'Error: x',
      '    at a (/home/app/src/agent.ts:3:9)',
      '    at b (file:///home/app/dist/index.js:1:2)',
      '    at c (/opt/deps/node_modules/openai/core.js:10:5)',
      '    at d (/usr/lib/other/thing.js:4:4)',
      '    at node:internal/process/task_queues:95:5',
    ].join('\n');
    assert.equal(
      cleanStack(stack, cwd),
      [
        'Error: x',
        '    at a (src/agent.ts:3:9)',
        '    at b (dist/index.js:1:2)',
        '    at c (node_modules/openai/core.js:10:5)',
        '    at d (thing.js:4:4)',
        '    at node:internal/process/task_queues:95:5',
      ].join('\n'),
    );
  });
});

describe('userId, sessionId and release', () => {
  it('trace options and init({ release }) land in the run metadata', async () => {
    h.start({ release: '1.2.3' });
    trace('plain', () => 1);
    await trace('chat-turn', { userId: 'u_1', sessionId: 'thread-9', release: '1.2.4', metadata: { team: 'x' } }, () => 1);
    const wrapped = trace(function wrappedTurn() {
      return 1;
    }, { userId: 'u_2' });
    wrapped();
    assert.equal(await flush(), true);
    assertNoRejections(h.server);
    assert.equal(runNamed(h.server, 'plain').metadata.release, '1.2.3');
    const turn = runNamed(h.server, 'chat-turn').metadata;
    assert.equal(turn.user_id, 'u_1');
    assert.equal(turn.session_id, 'thread-9');
    assert.equal(turn.conversation_id, 'thread-9');
    assert.equal(turn.release, '1.2.4');
    assert.equal(turn.team, 'x');
    assert.equal(runNamed(h.server, 'wrappedTurn').metadata.user_id, 'u_2');
  });
});
