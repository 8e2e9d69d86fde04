// A CommonJS project tested with Jest's defaults (babel-jest, no ESM flags): the package,
// its decorators and the HTTP client bundled in its CommonJS build load through Jest's
// module system, and a trace reaches the collector.
const { init, trace, span, flush, shutdown, currentTraceId } = require('northstar-ai');
const { Trace, Observe } = require('northstar-ai/decorators');

const environment = 'jest-cjs';

// What TypeScript's legacy `__decorate` does: plain JavaScript has no decorator syntax.
function decorate(decorator, prototype, key) {
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
  Object.defineProperty(prototype, key, decorator(prototype, key, descriptor) || descriptor);
}

class Triage {
  async handle(ticket) {
    return { ticket, category: this.classify(ticket) };
  }
  classify(ticket) {
    return ticket.includes('refund') ? 'billing' : 'other';
  }
}
decorate(Trace('jest-triage'), Triage.prototype, 'handle');
decorate(Observe('classify', { kind: 'tool' }), Triage.prototype, 'classify');

beforeAll(() => {
  init({ apiKey: process.env.COLLECTOR_API_KEY, endpoint: process.env.COLLECTOR_URL, project: 'consumers', environment });
});

afterAll(async () => {
  await shutdown();
});

test('decorated methods keep their behaviour', async () => {
  await expect(new Triage().handle('refund please')).resolves.toEqual({ ticket: 'refund please', category: 'billing' });
  expect(Triage.prototype.handle.name).toBe('handle');
});

test('a scoped trace has an id inside and none after', async () => {
  const id = await trace('jest-scoped', async (t) => {
    expect(currentTraceId()).toBe(t.id);
    await span('step', { kind: 'workflow' }, async () => undefined);
    return t.id;
  });
  expect(typeof id).toBe('string');
  expect(currentTraceId()).toBeUndefined();
});

test('the traces reached the collector', async () => {
  expect(await flush()).toBe(true);
  const stored = await (await fetch(process.env.COLLECTOR_STATE_URL)).json();
  const runs = stored.runs.filter((r) => r.metadata && r.metadata.environment === environment);
  const spansOf = (name) => {
    const run = runs.find((r) => r.name === name);
    expect(run).toMatchObject({ status: 'ok' });
    return stored.spans.filter((s) => s.run_id === run.id).map((s) => `${s.kind}:${s.name}`);
  };
  expect(spansOf('jest-triage')).toEqual(['tool:classify']);
  expect(spansOf('jest-scoped')).toEqual(['workflow:step']);
});
