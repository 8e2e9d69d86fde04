// The viewer in a real Chromium (Debian's `chromium` package driven by playwright-core):
// a traced agent sends with NORTHSTAR_DEV=1 while the page is open, and the run appears
// without a reload; the tree and the conversation show; filters narrow the list; pause
// holds new runs back; a new run does not move the selection; export gives valid JSON;
// compare shows a difference; refused batches are listed; a run of 1,000 spans and
// 10,000 events renders only what is in view. Screenshots go to build/screenshots/.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { startLlmServer, type LlmServer } from '../support/llm-server.js';
import { ingest, repoRoot, sampleBatch, startCollector } from './dev-harness.js';

const ROOT = repoRoot();
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'build/screenshots');
const AGENT = join(ROOT, 'spec/support/child-scripts/dev-agent.mjs');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Runs the example agent as its own process, with the switch pointing at the viewer. */
function runAgent(port: number, llm: LlmServer, env: Record<string, string> = {}): Promise<void> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NORTHSTAR_') && v !== undefined) clean[k] = v;
  const child = spawn(process.execPath, [AGENT], {
    cwd: ROOT,
    env: { ...clean, NORTHSTAR_DEV: '1', NORTHSTAR_DEV_PORT: String(port), LLM_BASE_URL: llm.openaiBaseURL, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`agent exited with ${code}`)))),
  );
}

const rowCount = (page: Page) => page.locator('[data-testid=run-row]').count();

/** Waits until the runs list shows `n` rows (the page's CSP forbids waitForFunction's eval). */
async function waitForRows(page: Page, n: number): Promise<void> {
  for (let i = 0; i < 200 && (await rowCount(page)) !== n; i++) await page.waitForTimeout(50);
  assert.equal(await rowCount(page), n);
}

describe('viewer in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let llm: LlmServer;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}. The browser tests need Debian's chromium: run \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH).`,
      );
    }
    mkdirSync(SHOTS, { recursive: true });
    llm = await startLlmServer();
    collector = await startCollector({ assetsDir: join(ROOT, 'dist/viewer') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 860 }, colorScheme: 'light', acceptDownloads: true });
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(collector.url);
    await page.getByText('No runs yet.').waitFor();
    // Set on the page once: a reload would lose it.
    await page.evaluate(() => ((globalThis as unknown as { loadedOnce: number }).loadedOnce = 1));
    after(() => assert.deepEqual(problems, [], 'the page logged no errors'));
  });

  after(async () => {
    await browser?.close();
    await collector?.close();
    await llm?.close();
  });

  let firstRun = '';

  it('shows a traced agent\'s run without a reload, with its tree and conversation', async () => {
    await runAgent(collector.port, llm, { QUESTION: 'How do I reset my password?' });
    const row = page.locator('[data-run-name=support-agent]');
    await row.waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: number }).loadedOnce), 1, 'no reload happened');
    firstRun = (await row.getAttribute('data-run-id'))!;
    await page.locator('[data-testid=live-state]').getByText('Live').waitFor();
    await page.screenshot({ path: join(SHOTS, 'list.png') });

    await row.click();
    await page.locator('[data-testid=run-detail]').waitFor();
    const spanNames = await page.locator('[data-testid=span-row]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-kind'), r.getAttribute('data-span-name')]));
    assert.equal(spanNames[0]![0], 'run');
    assert.ok(spanNames.some(([kind, name]) => kind === 'tool' && name === 'search-docs'), JSON.stringify(spanNames));
    assert.ok(spanNames.some(([kind]) => kind === 'model'), JSON.stringify(spanNames));
    // The detail opens on the model span: the conversation by role.
    const conversation = page.locator('[data-testid=conversation]');
    await conversation.waitFor();
    const roles = await conversation.locator('[data-role]').evaluateAll((m) => m.map((e) => e.getAttribute('data-role')));
    assert.deepEqual(roles.slice(0, 2), ['system', 'user']);
    assert.ok(roles.includes('assistant'), JSON.stringify(roles));
    assert.match(await conversation.innerText(), /How do I reset my password\?/);
    await page.screenshot({ path: join(SHOTS, 'conversation.png') });

    await page.locator('[data-testid=raw-toggle]').check();
    const raw = await page.locator('[data-testid=raw-json]').innerText();
    assert.match(raw, /"type": "system_message"/);
    await page.locator('[data-testid=raw-toggle]').uncheck();

    await page.locator('[data-testid=span-row][data-kind=run]').click();
    await page.locator('.event-final_response').waitFor();
    await page.screenshot({ path: join(SHOTS, 'run-tree.png') });
  });

  it('keeps the selection when new runs arrive, narrows the list with filters, and holds runs back while paused', async () => {
    await runAgent(collector.port, llm, { SCENARIO: 'tools', QUESTION: 'Which tools can you use?' });
    await runAgent(collector.port, llm, { AGENT_NAME: 'billing-agent', FAIL: '1' });
    await page.locator('[data-run-name=billing-agent]').waitFor();
    assert.equal(await rowCount(page), 3);
    assert.equal(await page.locator('.run-row.selected').getAttribute('data-run-id'), firstRun, 'the selection stayed on the first run');
    // The failed run stands out.
    assert.equal(await page.locator('[data-run-name=billing-agent].status-error').count(), 1);

    await page.locator('[data-testid=filter-name]').selectOption('billing-agent');
    assert.equal(await rowCount(page), 1);
    await page.locator('[data-testid=filter-name]').selectOption('');
    await page.locator('[data-testid=filter-status]').selectOption('error');
    assert.equal(await rowCount(page), 1);
    await page.locator('[data-testid=filter-status]').selectOption('');
    await page.locator('[data-testid=filter-tag]').selectOption('tools');
    assert.equal(await rowCount(page), 1);
    await page.locator('[data-testid=filter-tag]').selectOption('');
    await page.locator('[data-testid=search]').fill('reset my password');
    await waitForRows(page, 1);
    assert.equal(await page.locator('[data-testid=run-row]').getAttribute('data-run-id'), firstRun);
    await page.locator('[data-testid=search]').fill('');
    await waitForRows(page, 3);

    await page.locator('[data-testid=group-sessions]').check();
    assert.equal(await page.locator('.session-row').count(), 3, 'each agent process is its own session');
    await page.locator('[data-testid=group-sessions]').uncheck();

    await page.locator('[data-testid=pause]').click();
    await runAgent(collector.port, llm, { AGENT_NAME: 'while-paused' });
    await page.locator('[data-testid=live-state]').getByText(/Paused · \d+ new/).waitFor();
    assert.equal(await page.locator('[data-run-name=while-paused]').count(), 0, 'paused: the list does not change');
    await page.locator('[data-testid=pause]').click();
    await page.locator('[data-run-name=while-paused]').waitFor();
  });

  it('exports a run as valid JSON', async () => {
    await page.locator(`[data-run-id="${firstRun}"]`).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=export]').click()]);
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(exported.northstar_export, 1);
    assert.equal(exported.batch.schema_version, 2);
    assert.equal(exported.batch.runs[0].id, firstRun);
    assert.ok(exported.batch.events.length > 0);
    assert.match(download.suggestedFilename(), /^support-agent-[0-9a-f]{8}\.json$/);
    // And the file imports back (the same ids: an upsert, nothing duplicated).
    const before = await rowCount(page);
    await page.locator('[data-testid=import]').setInputFiles(file);
    await page.getByText(/^Imported /).waitFor();
    assert.equal(await rowCount(page), before);
  });

  it('does not move the scrolled list when a new run arrives at the top', async () => {
    const total = async () => Number((await page.locator('[data-testid=run-count]').innerText()).split(' ')[0]);
    const waitForTotal = async (n: number) => {
      for (let i = 0; i < 200 && (await total()) !== n; i++) await page.waitForTimeout(50);
      assert.equal(await total(), n);
    };
    const start = await total();
    for (let i = 0; i < 40; i++) assert.equal((await ingest(collector.port, sampleBatch({ name: `old-${i}`, offsetMs: i * 1000 }))).status, 200);
    await waitForTotal(start + 40);
    const list = page.locator('[data-testid=runs]');
    await list.evaluate((el) => (el.scrollTop = 20 * 58));
    // The name of the first row fully in view.
    const topRow = () =>
      list.evaluate((el: any) => {
        const top = el.getBoundingClientRect().top;
        const rows = [...el.querySelectorAll('[data-testid=run-row]')] as any[];
        return rows.find((r) => r.getBoundingClientRect().top >= top - 1)?.getAttribute('data-run-name') as string;
      });
    await page.waitForTimeout(200);
    const before = await topRow();
    assert.ok(before, 'a row is in view');
    assert.equal((await ingest(collector.port, sampleBatch({ name: 'arrives-on-top', baseMs: Date.now() }))).status, 200);
    await waitForTotal(start + 41);
    assert.equal(await topRow(), before, 'the row at the top of the view is still there');
    await list.evaluate((el) => (el.scrollTop = 0));
    await page.locator('[data-run-name=arrives-on-top]').waitFor();
  });

  it('compares two runs side by side and shows the differences', async () => {
    await page.locator(`[data-run-id="${firstRun}"]`).click();
    await page.locator('[data-testid=compare]').click();
    const ids = await page.locator('[data-run-name=support-agent]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    const other = ids.find((id) => id !== firstRun)!;
    await page.locator(`[data-run-id="${other}"]`).click();
    const panel = page.locator('[data-testid=compare-panel]');
    await panel.waitFor();
    const rows = await panel.locator('[data-testid=compare-row]').evaluateAll((r) => r.map((e) => [e.textContent, e.getAttribute('data-differs')]));
    assert.ok(rows.length >= 3, JSON.stringify(rows));
    assert.ok(rows.some(([, differs]) => differs === 'true'), `some aligned span differs: ${JSON.stringify(rows)}`);
    await panel.locator('[data-testid=compare-row][data-differs=true]').first().click();
    await page.screenshot({ path: join(SHOTS, 'compare.png') });
    await page.locator('[data-testid=compare-close]').click();
  });

  it('lists a batch the collector refused, with the reason', async () => {
    const response = await ingest(collector.port, { schema_version: 2, runs: [{ id: randomUUID(), name: 'x' }] });
    assert.equal(response.status, 400);
    await page.locator('[data-testid=rejected-toggle] .count').getByText('1').waitFor();
    await page.locator('[data-testid=rejected-toggle]').click();
    const panel = page.locator('[data-testid=rejected-panel]');
    await panel.getByText(/missing required field "session_id"/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'rejected.png') });
    await page.locator('[data-testid=rejected-toggle]').click();
  });

  it('stays usable with a run of 1,000 spans and 10,000 events (only rows in view are rendered)', async () => {
    const session = { id: randomUUID(), created_at: new Date().toISOString() };
    const t0 = Date.now();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const run = { id: randomUUID(), session_id: session.id, name: 'big-run', started_at: at(0), ended_at: at(20_000), status: 'ok' };
    const spans: Record<string, unknown>[] = [];
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      const parent = i < 10 ? undefined : (spans[i % 10] as { id: string }).id;
      const id = randomUUID();
      spans.push({ id, run_id: run.id, kind: i % 3 === 0 ? 'model' : 'tool', name: `step-${i}`, started_at: at(i * 10), ended_at: at(i * 10 + 500), status: i === 500 ? 'error' : 'ok', ...(parent ? { parent_span_id: parent } : {}), attributes: { latency_ms: 500 } });
      for (let j = 0; j < 10; j++) {
        events.push({ id: randomUUID(), run_id: run.id, span_id: id, type: j === 0 ? 'system_message' : j % 2 ? 'user_input' : 'assistant_message', created_at: at(i * 10 + j), content: `message ${j} of span ${i}` });
      }
    }
    // In requests of the size the SDK sends.
    assert.equal((await ingest(collector.port, { schema_version: 2, sessions: [session], runs: [run], spans })).status, 200);
    for (let i = 0; i < events.length; i += 2000) {
      assert.equal((await ingest(collector.port, { schema_version: 2, events: events.slice(i, i + 2000) })).status, 200);
    }
    const row = page.locator('[data-run-name=big-run]');
    await row.waitFor();
    await row.click();
    await page.locator('[data-testid=span-row][data-span-name="step-0"]').waitFor();
    const rendered = await page.locator('[data-testid=span-row]').count();
    assert.ok(rendered < 120, `only the rows in view are in the DOM (${rendered})`);
    // Scroll to the end of the tree: the last rows render there.
    await page.locator('[data-testid=span-tree]').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator('[data-testid=span-row][data-span-name="step-999"]').waitFor();
    await page.locator('[data-testid=span-tree]').evaluate((el) => (el.scrollTop = 0));
    // Folding a branch hides its 99 children.
    await page.locator('[data-testid=span-row][data-span-name="step-10"]').waitFor();
    await page.locator('[data-testid=span-row][data-span-name="step-0"] .caret').click();
    await page.locator('[data-testid=span-row][data-span-name="step-1"]').waitFor();
    assert.equal(await page.locator('[data-testid=span-row][data-span-name="step-10"]').count(), 0);
    // A model span's long history is folded.
    await page.locator('[data-testid=span-row][data-span-name="step-0"]').click();
    await page.locator('[data-testid=show-history]').waitFor();
    await page.screenshot({ path: join(SHOTS, 'big-run.png') });
  });
});
