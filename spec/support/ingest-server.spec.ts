// The ingest server is what every transport spec trusts, so it is tested on its own,
// with plain fetch, against docs/protocol.md.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';

import { PROMPT_FIXTURE_IDS, startIngestServer, summarizeRejections, type IngestServer } from './ingest-server.js';

const REFERENCES = 'Payload contains invalid project references';
const NOW = '2025-05-01T12:00:00.000Z';
const LATER = '2025-05-01T12:00:01.500+02:00';

type Body = Record<string, any>;

/** A batch with one record of every kind, where each field in the docs/protocol.md table is used once. */
function validBatch() {
  const session = { id: randomUUID(), created_at: NOW, metadata: { project: 'demo' } };
  const run = { id: randomUUID(), session_id: session.id, name: 'agent', started_at: NOW, status: 'running', metadata: { tags: ['a'] } };
  const root = { id: randomUUID(), run_id: run.id, kind: 'agent', name: 'root', started_at: NOW, status: 'running' };
  const child = {
    id: randomUUID(),
    run_id: run.id,
    parent_span_id: root.id,
    kind: 'tool',
    name: 'search',
    started_at: NOW,
    ended_at: LATER,
    status: 'error',
    error: { type: 'TypeError', message: 'boom', module: 'tools' },
    iteration: 2,
    attributes: { latency_ms: 3 },
  };
  const event = { id: randomUUID(), run_id: run.id, span_id: child.id, type: 'tool_arguments', created_at: NOW, content: null, attributes: {} };
  const scores = [
    { id: randomUUID(), trace_id: run.id, name: 'accuracy', value: 0.9, data_type: 'numeric', source: 'api', created_at: NOW, comment: '' },
    { id: randomUUID(), trace_id: run.id, span_id: child.id, name: 'ok', value: 1, data_type: 'boolean', source: 'api', created_at: NOW },
    { id: randomUUID(), trace_id: run.id, name: 'tone', value: 0, data_type: 'categorical', string_value: 'calm', source: 'api', created_at: NOW },
  ];
  const link = { trace_id: run.id, span_id: child.id, prompt_version_id: PROMPT_FIXTURE_IDS.supportReplyV1, variable_values: { city: 'Oslo' } };
  // The child span comes before its parent on purpose: the server sorts spans itself.
  const body: Body = { schema_version: 2, sessions: [session], runs: [run], spans: [child, root], events: [event], scores, prompt_links: [link] };
  return { body, session, run, root, child, event, scores, link };
}

let server: IngestServer;

async function post(body: unknown, headers: Record<string, string> = {}, url = server.url): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

function assertNothingStored(): void {
  const sizes = [server.sessions.size, server.runs.size, server.spans.size, server.events.size, server.scores.size, server.promptLinks.length];
  assert.deepEqual(sizes, [0, 0, 0, 0, 0, 0], 'a rejected batch must store nothing');
}

before(async () => {
  server = await startIngestServer();
});
after(() => server.close());
beforeEach(() => server.reset());

describe('ingest server: accepted batches', () => {
  it('stores a valid batch and answers {"accepted": true}', async () => {
    const { body, session, run, root, child, event, scores, link } = validBatch();
    const response = await post(body);
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, { accepted: true });
    assert.deepEqual(server.sessions.get(session.id), session);
    assert.deepEqual(server.runs.get(run.id), run);
    assert.deepEqual(server.spans.get(child.id), child);
    assert.deepEqual([...server.spans.keys()], [root.id, child.id], 'spans are inserted parent-first');
    assert.deepEqual(server.events.get(event.id), event);
    assert.deepEqual([...server.scores.values()], scores);
    assert.deepEqual(server.promptLinks, [link]);
    assert.equal(server.insertCounts.get(`runs:${run.id}`), 1);
    assert.deepEqual(server.requests.map((r) => [r.status, r.error]), [[200, undefined]]);
    assert.deepEqual(summarizeRejections(server), []);
  });

  it('accepts missing arrays as empty, a charset parameter, and an offset timestamp without seconds', async () => {
    const { session } = validBatch();
    const response = await post({ schema_version: 2, sessions: [{ ...session, created_at: '2025-05-01T12:00-05:30' }] }, {
      'content-type': 'application/json; charset=utf-8',
    });
    assert.equal(response.status, 200);
    assert.equal(server.sessions.size, 1);
  });
});

describe('ingest server: validation (400, nothing stored)', () => {
  const cases: Array<[string, (b: ReturnType<typeof validBatch>) => void, string]> = [
    ['unknown top-level key', (b) => (b.body.project_id = 'p'), 'body has unknown key "project_id"'],
    ['wrong schema_version', (b) => (b.body.schema_version = 1), '"schema_version" must be 2'],
    ['missing schema_version', (b) => delete b.body.schema_version, '"schema_version" must be 2'],
    ['array that is not an array', (b) => (b.body.runs = {}), '"runs" must be an array'],
    ['null array', (b) => (b.body.events = null), '"events" must be an array'],
    ['record that is not an object', (b) => (b.body.sessions = [[]]), 'session sessions[0]: must be a JSON object'],
    ['project_id on a record', (b) => Object.assign(b.run, { project_id: 'p' }), 'runs[0] (id'],
    ['unknown record key', (b) => Object.assign(b.child, { input: 'x' }), 'span spans[0]'],
    ['null for an optional field', (b) => Object.assign(b.run, { metadata: null }), 'field "metadata" is null'],
    ['null ended_at', (b) => Object.assign(b.session, { ended_at: null }), 'field "ended_at" is null'],
    ['null for a required field', (b) => Object.assign(b.run, { status: null }), 'field "status" must not be null'],
    ['missing required field', (b) => delete (b.run as Body).name, 'missing required field "name"'],
    ['event without a content key', (b) => delete (b.event as Body).content, 'event events[0]'],
    ['id that is not a UUID', (b) => Object.assign(b.event, { id: 'event-1' }), 'field "id" must be a UUID'],
    ['numeric id', (b) => Object.assign(b.scores[0]!, { id: 42 }), 'field "id" must be a UUID'],
    ['reference that is not a UUID', (b) => Object.assign(b.link, { prompt_version_id: 'v1' }), 'prompt_link prompt_links[0]: field "prompt_version_id"'],
    ['timestamp without offset', (b) => Object.assign(b.run, { started_at: '2025-05-01T12:00:00' }), 'field "started_at" must be an ISO 8601'],
    ['timestamp as epoch number', (b) => Object.assign(b.event, { created_at: Date.now() }), 'field "created_at" must be an ISO 8601'],
    ['date-only timestamp', (b) => Object.assign(b.session, { created_at: '2025-05-01' }), 'field "created_at"'],
    ['unknown status', (b) => Object.assign(b.run, { status: 'done' }), 'field "status" must be one of running | ok | error'],
    ['unknown span kind', (b) => Object.assign(b.root, { kind: 'llm' }), 'field "kind" must be one of'],
    ['unknown event type', (b) => Object.assign(b.event, { type: 'message' }), 'field "type" must be one of'],
    ['unknown score data_type', (b) => Object.assign(b.scores[0]!, { data_type: 'text' }), 'field "data_type"'],
    ['score source other than api', (b) => Object.assign(b.scores[0]!, { source: 'sdk' }), 'field "source" must be "api"'],
    ['score value as a string', (b) => Object.assign(b.scores[0]!, { value: '0.9' }), 'field "value" must be a finite number'],
    ['boolean score value 0.5', (b) => Object.assign(b.scores[1]!, { value: 0.5 }), 'must be 0 or 1 for a boolean score'],
    ['boolean score value true', (b) => Object.assign(b.scores[1]!, { value: true }), 'field "value" must be a finite number'],
    ['categorical score value 1', (b) => Object.assign(b.scores[2]!, { value: 1 }), 'must be 0 for a categorical score'],
    ['categorical score with blank string_value', (b) => Object.assign(b.scores[2]!, { string_value: ' ' }), 'field "string_value" must be a non-blank string'],
    ['categorical score without string_value', (b) => delete (b.scores[2] as Body).string_value, 'field "string_value"'],
    ['numeric score with string_value', (b) => Object.assign(b.scores[0]!, { string_value: 'x' }), 'must be absent for a numeric score'],
    ['empty run name', (b) => Object.assign(b.run, { name: '' }), 'field "name" must be a non-empty string'],
    ['empty span name', (b) => Object.assign(b.child, { name: '' }), 'span spans[0]'],
    ['blank score name', (b) => Object.assign(b.scores[0]!, { name: '  ' }), 'field "name" must be a non-blank string'],
    ['fractional iteration', (b) => Object.assign(b.child, { iteration: 1.5 }), 'field "iteration" must be an integer'],
    ['metadata as an array', (b) => Object.assign(b.run, { metadata: [] }), 'field "metadata" must be a JSON object'],
    ['attributes as a string', (b) => Object.assign(b.event, { attributes: 'x' }), 'field "attributes" must be a JSON object'],
    ['variable_values as an array', (b) => Object.assign(b.link, { variable_values: ['Oslo'] }), 'field "variable_values"'],
    ['error as a string', (b) => Object.assign(b.child, { error: 'boom' }), 'field "error" must be a JSON object'],
    ['error without message', (b) => Object.assign(b.child, { error: { type: 'Error' } }), '.message must be a string'],
    ['error with a stack', (b) => Object.assign(b.child, { error: { type: 'E', message: 'm', stack: 's' } }), 'unknown key "stack"'],
    ['error with a numeric module', (b) => Object.assign(b.child, { error: { type: 'E', message: 'm', module: 1 } }), '.module must be a string'],
    [
      'more than 500 scores',
      (b) => (b.body.scores = Array.from({ length: 501 }, () => ({ ...b.scores[0]!, id: randomUUID() }))),
      'at most 500 per batch',
    ],
  ];

  for (const [rule, breakIt, expected] of cases) {
    it(`rejects ${rule}`, async () => {
      const batch = validBatch();
      breakIt(batch);
      const response = await post(batch.body);
      assert.equal(response.status, 400, response.text);
      assert.ok(response.json.error.includes(expected), `error ${JSON.stringify(response.json.error)} should include ${JSON.stringify(expected)}`);
      assertNothingStored();
    });
  }

  it('accepts exactly 500 scores', async () => {
    const batch = validBatch();
    batch.body.scores = Array.from({ length: 500 }, () => ({ ...batch.scores[0]!, id: randomUUID() }));
    assert.equal((await post(batch.body)).status, 200);
  });

  it('rejects a body that is not JSON, not an object, or not sent as application/json', async () => {
    assert.equal((await post('{"schema_version": 2,')).status, 400);
    assert.match((await post([])).json.error, /body must be a JSON object/);
    assert.match((await post(validBatch().body, { 'content-type': 'text/plain' })).json.error, /Content-Type must be application\/json/);
    assertNothingStored();
  });
});

describe('ingest server: references', () => {
  const rejects = async (body: Body, detail: RegExp) => {
    const response = await post(body);
    assert.equal(response.status, 400);
    assert.equal(response.json.error, REFERENCES);
    assert.match(response.json.detail, detail);
  };

  it('rejects a batch whose records point at parents neither in the batch nor stored', async () => {
    const cases: Array<[(b: ReturnType<typeof validBatch>) => void, RegExp]> = [
      [(b) => (b.body.sessions = []), /run runs\[0\].*session_id/],
      [(b) => (b.body.runs = []), /span spans\[0\].*run_id/],
      [(b) => (b.body.spans = [b.child]), /parent_span_id/],
      [(b) => Object.assign(b.event, { span_id: randomUUID() }), /event events\[0\].*span_id/],
      [(b) => Object.assign(b.scores[0]!, { trace_id: randomUUID() }), /score scores\[0\].*trace_id/],
      [(b) => Object.assign(b.scores[1]!, { span_id: b.run.id }), /score scores\[1\].*span_id/],
      [(b) => Object.assign(b.root, { parent_span_id: b.child.id }), /cycle/],
      [(b) => Object.assign(b.root, { parent_span_id: b.root.id }), /own id/],
    ];
    for (const [breakIt, detail] of cases) {
      const batch = validBatch();
      breakIt(batch);
      await rejects(batch.body, detail);
    }
    assertNothingStored();
  });

  it('resolves references to records stored by an earlier batch', async () => {
    const { session, run, root, child, event } = validBatch();
    assert.equal((await post({ schema_version: 2, sessions: [session], runs: [run] })).status, 200);
    assert.equal((await post({ schema_version: 2, spans: [root] })).status, 200);
    assert.equal((await post({ schema_version: 2, spans: [child], events: [event] })).status, 200);
    assert.deepEqual([server.runs.size, server.spans.size, server.events.size], [1, 2, 1]);
  });
});

describe('ingest server: upserts', () => {
  it('updates a session: ended_at kept when absent, metadata replaced', async () => {
    const { session } = validBatch();
    await post({ schema_version: 2, sessions: [session] });
    await post({ schema_version: 2, sessions: [{ id: session.id, created_at: LATER, ended_at: LATER, metadata: { v: 2 } }] });
    await post({ schema_version: 2, sessions: [{ id: session.id, created_at: NOW }] });
    assert.deepEqual(server.sessions.get(session.id), { id: session.id, created_at: NOW, ended_at: LATER });
    assert.equal(server.insertCounts.get(`sessions:${session.id}`), 3);
  });

  it('updates a run: ended_at, status, error and metadata replaced, a left-out field cleared', async () => {
    const { session, run } = validBatch();
    await post({ schema_version: 2, sessions: [session], runs: [run] });
    const ended = { ...run, name: 'renamed', status: 'error', ended_at: LATER, error: { type: 'E', message: 'm' } };
    delete (ended as Body).metadata;
    await post({ schema_version: 2, runs: [ended] });
    assert.deepEqual(server.runs.get(run.id), { ...ended, name: 'agent' });
    assert.equal(server.runs.size, 1);
  });

  it('updates a span: name, kind and parent fixed at first insert', async () => {
    const { body, root, child } = validBatch();
    await post(body);
    const update = { id: child.id, run_id: child.run_id, kind: 'model', name: 'other', started_at: LATER, status: 'ok', ended_at: NOW, attributes: { x: 1 } };
    await post({ schema_version: 2, spans: [update] });
    // The update leaves out parent_span_id and error: the parent is fixed, the error cleared.
    const { error: _cleared, ...expected } = { ...child, status: 'ok', ended_at: NOW, attributes: { x: 1 } };
    assert.deepEqual(server.spans.get(child.id), expected);
    assert.equal(server.spans.get(child.id).parent_span_id, root.id);
    assert.equal(server.insertCounts.get(`spans:${child.id}`), 2);
  });

  it('updates an event: content and attributes replaced', async () => {
    const { body, event } = validBatch();
    await post(body);
    await post({ schema_version: 2, events: [{ ...event, type: 'custom', content: { name: 'n', data: 1 }, attributes: { northstar_type: 'event' } }] });
    assert.deepEqual(server.events.get(event.id), { ...event, content: { name: 'n', data: 1 }, attributes: { northstar_type: 'event' } });
  });

  it('applies a record repeated in one batch in array order', async () => {
    const { session, run } = validBatch();
    await post({ schema_version: 2, sessions: [session], runs: [run, { ...run, status: 'ok' }] });
    assert.equal(server.runs.get(run.id).status, 'ok');
    assert.equal(server.insertCounts.get(`runs:${run.id}`), 2);
  });
});

describe('ingest server: values the database refuses (500, nothing stored)', () => {
  const cases: Array<[string, (b: ReturnType<typeof validBatch>) => void, RegExp]> = [
    ['U+0000 in a string', (b) => Object.assign(b.run, { name: 'a\u0000b' }), /run runs\[0\] \(id .*\): field \"name\": string contains U\+0000/],
    ['U+0000 in a nested key', (b) => Object.assign(b.child, { attributes: { deep: [{ ['k\u0000']: 1 }] } }), /span spans\[0\] .*field \"attributes\.deep\[0\]\": key/],
    ['a lone surrogate', (b) => Object.assign(b.event, { content: { text: 'x\ud800' } }), /event events\[0\] .*field \"content\.text\": string contains a lone UTF-16 surrogate/],
    ['a lone low surrogate in a key', (b) => Object.assign(b.session, { metadata: { ['\udc00']: 1 } }), /lone UTF-16 surrogate/],
    ['iteration above int32', (b) => Object.assign(b.child, { iteration: 2 ** 31 }), /field \"iteration\" 2147483648 is out of range/],
    ['iteration below int32', (b) => Object.assign(b.child, { iteration: -(2 ** 31) - 1 }), /out of range/],
    ['a calendar-impossible date', (b) => Object.assign(b.run, { started_at: '2025-02-29T00:00:00Z' }), /run runs\[0\] .*field \"started_at\" date\/time field value out of range/],
    ['hour 25', (b) => Object.assign(b.event, { created_at: '2025-05-01T25:00:00Z' }), /created_at/],
  ];
  for (const [value, breakIt, expected] of cases) {
    it(`answers 500 for ${value}`, async () => {
      const batch = validBatch();
      breakIt(batch);
      // JSON.stringify escapes lone surrogates as \ud800, which JSON.parse turns back into one.
      const response = await post(JSON.stringify(batch.body));
      assert.equal(response.status, 500, response.text);
      assert.match(response.json.error, expected);
      assertNothingStored();
    });
  }

  it('accepts a well-formed surrogate pair, int32 bounds and a leap day', async () => {
    const batch = validBatch();
    Object.assign(batch.run, { name: 'ok \ud83d\ude00', started_at: '2024-02-29T00:00:00Z' });
    Object.assign(batch.child, { iteration: 2 ** 31 - 1 });
    Object.assign(batch.root, { iteration: -(2 ** 31) });
    assert.equal((await post(batch.body)).status, 200);
  });
});

describe('ingest server: authentication, method, path and size', () => {
  it('answers 401 to a missing or wrong key, and to every request once the key is revoked', async () => {
    const { body } = validBatch();
    const missing = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(missing.status, 401);
    assert.equal(typeof ((await missing.json()) as Body).error, 'string');
    assert.equal((await post(body, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await post(body, { authorization: server.apiKey })).status, 401);
    server.revokeKey();
    assert.equal((await post(body)).status, 401);
    assertNothingStored();
    server.reset();
    assert.equal((await post(body)).status, 200, 'reset() restores the key');
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    const get = await fetch(server.url, { headers: { authorization: `Bearer ${server.apiKey}` } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await post(validBatch().body, {}, server.url + '/')).status, 404);
    assert.equal((await post(validBatch().body, {}, server.url.replace('ingest-traces', 'ingest'))).status, 404);
    assertNothingStored();
  });

  it('answers 413 above maxBodyBytes', async () => {
    const small = await startIngestServer({ maxBodyBytes: 1000, apiKey: 'k' });
    try {
      const { body } = validBatch();
      body.sessions[0].metadata = { pad: 'x'.repeat(2000) };
      const response = await fetch(small.url, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 413);
      assert.equal(small.sessions.size, 0);
      assert.ok(small.requests[0]!.bytes > 2000);
    } finally {
      await small.close();
    }
  });
});

describe('ingest server: faults', () => {
  it('failNext answers the next N requests with the status and Retry-After, then recovers', async () => {
    server.faults.failNext(2, 429, { retryAfter: '2' });
    const { body } = validBatch();
    const first = await post(body);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '2');
    assert.equal((await post(body)).status, 429);
    assertNothingStored();
    assert.equal((await post(body)).status, 200);
    assert.equal(server.runs.size, 1);
  });

  it('failNext sends a custom body', async () => {
    server.faults.failNext(1, 502, { body: '<html>bad gateway</html>' });
    const response = await post(validBatch().body);
    assert.equal(response.status, 502);
    assert.equal(response.text, '<html>bad gateway</html>');
  });

  it('consumes queued faults in FIFO order', async () => {
    server.faults.failNext(1, 500);
    server.faults.resetNext(1);
    server.faults.acceptWithoutStoring(1);
    const { body } = validBatch();
    assert.equal((await post(body)).status, 500);
    await assert.rejects(post(body));
    const notStored = await post(body);
    assert.deepEqual([notStored.status, notStored.text], [200, '{}']);
    assertNothingStored();
    assert.equal((await post(body)).status, 200);
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [500, 0, 200, 200],
    );
    assert.deepEqual(summarizeRejections(server).map((line) => line.split(' ').slice(0, 2).join(' ')), ['#0 500', '#1 0', '#2 200']);
  });

  it('passNext lets requests through between faults', async () => {
    server.faults.failNext(1, 503);
    server.faults.passNext(1);
    server.faults.resetNext(1);
    server.faults.passNext(1);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await post(validBatch().body).then((r) => r.status, () => 0));
    assert.deepEqual(statuses, [503, 200, 0, 200, 200]);
    assert.equal(server.runs.size, 3);
    assert.throws(() => server.faults.passNext(0), /positive integer/);
  });

  it('acceptWithoutStoring can answer with a non-JSON body', async () => {
    server.faults.acceptWithoutStoring(1, 'ok');
    const response = await post(validBatch().body);
    assert.deepEqual([response.status, response.text], [200, 'ok']);
    assertNothingStored();
  });

  it('hangNext never answers, and stores nothing', async () => {
    server.faults.hangNext(1);
    await assert.rejects(
      fetch(server.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(validBatch().body),
        signal: AbortSignal.timeout(100),
      }),
    );
    assertNothingStored();
    assert.equal(server.requests[0]!.status, 0);
  });

  it('poison rejects every batch holding a matching record until cleared', async () => {
    server.faults.poison((record, table) => table === 'runs' && record.name === 'poisoned', 500);
    const bad = validBatch();
    bad.run.name = 'poisoned';
    assert.equal((await post(bad.body)).status, 500);
    assert.equal((await post(bad.body)).status, 500, 'poison is persistent');
    // A predicate that throws on another table's records is a non-match.
    server.faults.poison((record) => record.metadata.tags.includes('never'), 400);
    assert.equal((await post(validBatch().body)).status, 200);
    server.faults.clear();
    assert.equal((await post(bad.body)).status, 200);
  });

  it('slowDrain delays responses but stores first', async () => {
    server.faults.slowDrain(150);
    const started = Date.now();
    const pending = post(validBatch().body);
    await server.waitFor((s) => s.runs.size === 1, 1000);
    assert.equal((await pending).status, 200);
    assert.ok(Date.now() - started >= 140);
  });

  it('validates fault arguments', () => {
    assert.throws(() => server.faults.failNext(0, 503), /positive integer/);
    assert.throws(() => server.faults.failNext(1, 99), /HTTP status/);
  });
});

describe('ingest server: lifecycle', () => {
  it('waitFor rejects with the server state on timeout', async () => {
    await assert.rejects(server.waitFor((s) => s.runs.size > 0, 30), /waitFor timed out after 30 ms.*\n.*0 runs/s);
  });

  it('close() ends hanging and slow requests promptly', async () => {
    const other = await startIngestServer();
    other.faults.hangNext(1);
    const hanging = fetch(other.url, { method: 'POST', headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' }, body: '{}' });
    await other.waitFor((s) => s.requests.length === 1, 1000);
    const started = Date.now();
    await other.close();
    await assert.rejects(hanging);
    assert.ok(Date.now() - started < 500);
  });
});
