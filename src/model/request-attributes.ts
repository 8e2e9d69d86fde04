import { isBag } from '../util/values.js';

/** Scalar request parameters copied as they are when present. */
const SCALARS = [
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'frequency_penalty',
  'presence_penalty',
  'seed',
  'n',
  'stream',
  'parallel_tool_calls',
  'reasoning_effort',
  'service_tier',
] as const;

/**
 * The request parameters of a model call that matter when reading its span: sampling
 * settings, token limits, streaming, the names of the tools offered and the tool choice.
 * Message content is not here: it becomes events.
 *
 * @example requestAttributes({ model: 'gpt-4o', temperature: 0, tools: [{ type: 'function', function: { name: 'search' } }] })
 * // { temperature: 0, tools: ['search'] }
 */
export function requestAttributes(params: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  if (!isBag(params)) return attributes;
  for (const key of SCALARS) {
    const value = params[key];
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') attributes[key] = value;
  }
  if (Array.isArray(params.tools)) {
    attributes.tools = params.tools.slice(0, 128).map((tool: unknown) => {
      if (!isBag(tool)) return String(tool);
      return String((isBag(tool.function) ? tool.function.name : undefined) ?? tool.name ?? tool.type ?? 'tool');
    });
  }
  const choice = params.tool_choice;
  if (typeof choice === 'string') attributes.tool_choice = choice;
  else if (isBag(choice)) attributes.tool_choice = String((isBag(choice.function) ? choice.function.name : undefined) ?? choice.name ?? choice.type ?? 'tool');
  // Responses `reasoning.effort`, Anthropic `thinking.budget_tokens`.
  if (isBag(params.reasoning) && typeof params.reasoning.effort === 'string') attributes.reasoning_effort = params.reasoning.effort;
  if (isBag(params.thinking) && typeof params.thinking.budget_tokens === 'number') attributes.thinking_budget_tokens = params.thinking.budget_tokens;
  const format = isBag(params.response_format) ? params.response_format.type : isBag(params.text) && isBag(params.text.format) ? params.text.format.type : undefined;
  if (typeof format === 'string') attributes.response_format = format;
  return attributes;
}
