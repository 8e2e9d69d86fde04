// Links model spans to the prompt versions they used: one `prompt_links` record per
// (span, version), queued with the span as its parent so the span rides along
// (docs/protocol.md, "Prompts: links at ingest": a link must come in the same batch as
// its span, or after).

import type { CompiledPrompt } from '../prompts/prompt-version.js';
import type { JsonObject, PromptLinkRecord } from '../registry/records.js';
import { createEntry, type Entry } from '../registry/record-queue.js';
import type { Observation } from './observation.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Link entries per span, so linking a version again updates its one record. */
const links = new WeakMap<Observation, Map<string, Entry>>();

/**
 * Queues the `prompt_links` record of `span` and `prompt`; the variable values are
 * snapshotted (redacted and masked) unless the span's input capture is off. A prompt
 * without a version id (a fallback given without one) is not linked.
 */
export function linkPrompt(span: Observation, prompt: CompiledPrompt | undefined): void {
  if (prompt === undefined || prompt === null) return;
  const client = span.client;
  const versionId = (prompt as Partial<CompiledPrompt>).promptVersionId;
  if (span.spanId === undefined) return;
  if (typeof versionId !== 'string' || !UUID.test(versionId)) {
    client.logger.debug(`span ${span.id}: prompt ${JSON.stringify(String((prompt as Partial<CompiledPrompt>).slug))} has no version id (a fallback?); not linked`);
    return;
  }
  const record: PromptLinkRecord = { trace_id: span.run.id, span_id: span.spanId, prompt_version_id: versionId.toLowerCase() };
  const values = span.captureInput ? client.snapshot(prompt.variables ?? {}) : undefined;
  if (values !== null && typeof values === 'object' && !Array.isArray(values) && Object.keys(values).length > 0) {
    record.variable_values = values as JsonObject;
  }
  let perSpan = links.get(span);
  if (perSpan === undefined) links.set(span, (perSpan = new Map()));
  const existing = perSpan.get(record.prompt_version_id);
  if (existing !== undefined) {
    existing.record = record;
    client.enqueue(existing);
    return;
  }
  const entry = createEntry('prompt_links', record, [span.run.entry, span.entry], false);
  perSpan.set(record.prompt_version_id, entry);
  client.enqueue(entry);
}
