// Renders what the local collector stored as an indented tree.
import type { IngestServer } from '../spec/support/ingest-server.js';

const WIDTH = 72;

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const flat = (text ?? 'null').replace(/\s+/g, ' ');
  return flat.length > WIDTH ? `${flat.slice(0, WIDTH - 1)}…` : flat;
}

function duration(record: { started_at: string; ended_at?: string }): string {
  if (!record.ended_at) return 'open';
  return `${(Date.parse(record.ended_at) - Date.parse(record.started_at)).toFixed(0)} ms`;
}

const LABELS: Record<string, string> = {
  user_input: 'input',
  final_response: 'output',
  tool_arguments: 'args',
  tool_result: 'result',
  system_message: 'system',
  assistant_message: 'assistant',
  reasoning: 'reasoning',
};

function eventLine(event: any): string {
  if (event.type === 'custom') {
    const kind = event.attributes?.northstar_type ?? 'event';
    const { name, ...rest } = event.content ?? {};
    return `${kind} ${name}: ${short('value' in rest ? rest.value : rest.data)}`;
  }
  if (event.type === 'user_input' && event.span_id) return `user: ${short(event.content)}`;
  return `${LABELS[event.type] ?? event.type}: ${short(event.content)}`;
}

function modelSummary(attributes: any): string {
  if (attributes?.model === undefined) return '';
  const cost = attributes.cost_usd === undefined ? 'cost unknown' : `$${attributes.cost_usd.toFixed(6)}`;
  return `  ${attributes.model} ${attributes.input_tokens ?? '?'}→${attributes.output_tokens ?? '?'} tokens, ${cost}`;
}

/** Prints every run the collector stored, with its spans and events nested. */
export function printTraces(server: IngestServer, write: (line: string) => void = console.log): void {
  const events = [...server.events.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  const spans = [...server.spans.values()].sort((a, b) => a.started_at.localeCompare(b.started_at));
  for (const session of server.sessions.values()) {
    write(`session ${session.id} ${session.ended_at ? 'ended' : 'open'}`);
  }
  for (const run of server.runs.values()) {
    const meta = run.metadata ?? {};
    const totals = meta.cost_usd !== undefined ? `, $${meta.cost_usd.toFixed(6)}, ${meta.total_input_tokens}+${meta.total_output_tokens} tokens` : '';
    write(`● ${run.name} [trace] ${run.status} ${duration(run)}${totals}`);
    const { latency_ms: _latency, cost_usd: _cost, total_input_tokens: _in, total_output_tokens: _out, ...shown } = meta;
    write(`  metadata: ${short(shown)}`);
    const own = (spanId: string | undefined) => events.filter((e) => e.run_id === run.id && e.span_id === spanId);
    for (const event of own(undefined)) write(`  · ${eventLine(event)}`);
    const walk = (parentId: string | undefined, indent: string) => {
      const children = spans.filter((s) => s.run_id === run.id && s.parent_span_id === parentId);
      children.forEach((span, index) => {
        const last = index === children.length - 1;
        const error = span.error ? `  ${span.error.type}: ${span.error.message}` : '';
        write(`${indent}${last ? '└─' : '├─'} ${span.name} [${span.kind}] ${span.status} ${duration(span)}${modelSummary(span.attributes)}${error}`);
        const inner = `${indent}${last ? '   ' : '│  '}`;
        for (const event of own(span.id)) write(`${inner}· ${eventLine(event)}`);
        walk(span.id, inner);
      });
    };
    walk(undefined, '  ');
    for (const score of server.scores.values()) {
      if (score.trace_id !== run.id) continue;
      const value = score.data_type === 'categorical' ? score.string_value : score.value;
      write(`  ★ score ${score.name} = ${value} (${score.data_type})${score.comment ? ` "${score.comment}"` : ''}`);
    }
  }
}
