// Run-time option checks of the public functions and decorators: a NorthstarConfigError
// (NorthstarDecoratorError for decorators) naming the option and the type of the value,
// never a raw TypeError, whether the SDK is enabled or not.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { resolveConfig } from '../../src/config/resolve-config.js';
import { modelCall, NorthstarConfigError, type NorthstarOptions, observe, shutdown, span, trace } from '../../src/index.js';
import { createHarness, type Harness } from '../tracing/ingest-harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
afterEach(() => h.stop());
after(() => h.close());

function refuses(call: () => unknown, message: RegExp): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof NorthstarConfigError, `a NorthstarConfigError, got ${String(error)}`);
    assert.match((error as Error).message, message);
    return true;
  });
}

const any = (v: unknown) => v as never;
const resolveConfigForTest = (options: NorthstarOptions) => resolveConfig(options, {});

for (const enabled of [false, true]) {
  describe(`option checks of the function API (${enabled ? 'enabled' : 'disabled'})`, () => {
    const setup = async () => (enabled ? h.start() : shutdown());

    it('observe(fn, { kind: "llm" }) names the option and the value', async () => {
      await setup();
      refuses(() => observe(async function f() {}, { kind: any('llm') }), /observe\(f\): option kind must be one of 'agent', 'workflow', 'model', 'tool', 'custom', got the string "llm"/);
      refuses(() => observe('named', { kind: any('llm') }), /observe\("named"\): option kind/);
      refuses(() => observe({ captureInput: any('no') }), /option captureInput must be true or false, got the string "no"/);
      refuses(() => observe(any(42)), /observe\(\): the first argument must be a function, a name or options, got the number 42/);
    });

    it('span(name, { kind: "banana" }, fn), an unknown option, a missing callback', async () => {
      await setup();
      const run = () => {
        refuses(() => span('s', { kind: any('banana') }, () => 1), /span\("s"\): option kind must be one of .*got the string "banana"/);
        refuses(() => span('s', any({ knd: 'tool' }), () => 1), /span\("s"\): unknown option knd\. Did you mean kind\?/);
        refuses(() => (span as (name: string) => unknown)('s'), /span\("s"\): the last argument must be the callback \(span\) => \.\.\., got undefined/);
        refuses(() => span('s', {}, any(undefined)), /the last argument must be the callback/);
        refuses(() => modelCall('m', { model: any(4) }, () => 1), /modelCall\("m"\): option model must be a string, got the number 4/);
        refuses(() => (modelCall as (name: string) => unknown)('m'), /modelCall\("m"\): the last argument must be the callback/);
        refuses(() => (span as (name: unknown) => unknown)(() => 1), /the last argument must be the callback/);
      };
      run();
      trace('outer', (t) => {
        run();
        refuses(() => t.span('s', { kind: any('banana') }, () => 1), /option kind/);
        refuses(() => t.modelCall('m', any({ modle: 'x' }), () => 1), /unknown option modle\. Did you mean model\?/);
      });
    });

    it('trace(): unknown options (with a hint), wrong types, a missing callback', async () => {
      await setup();
      refuses(() => trace(async function f() {}, any({ nmae: 'x' })), /trace\(f\): unknown option nmae\. Did you mean name\?/);
      refuses(() => trace('t', { captureOutput: any('no') }, () => 1), /trace\("t"\): option captureOutput must be true or false, got the string "no"/);
      refuses(() => trace('t', { tags: any('prod') }, () => 1), /option tags must be an array of strings, got the string "prod"/);
      refuses(() => trace('t', { userId: any(7) }, () => 1), /option userId must be a string, got the number 7/);
      refuses(() => trace('t', {}, any(3)), /trace\("t"\): the last argument must be the callback \(trace\) => \.\.\., got the number 3/);
      refuses(() => trace('t')(any(undefined)), /the last argument must be the callback function to wrap, got undefined/);
    });
  });
}

describe('init option types', () => {
  it('batchSize: "50" says it was a string', () => {
    refuses(() => resolveConfigForTest({ batchSize: any('50') }), /option batchSize must be a positive integer, got the string "50"/);
    refuses(() => resolveConfigForTest({ debug: any('yes') }), /option debug must be true or false, got the string "yes"/);
    refuses(() => resolveConfigForTest({ apiKey: any(12) }), /option apiKey must be a string, got the number 12/);
    refuses(() => resolveConfigForTest({ url: 'x' } as never), /unknown option url\. Did you mean endpoint\?/);
  });
});
