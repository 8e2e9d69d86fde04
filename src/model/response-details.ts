// What a provider response says about itself: its id, the request id, why it stopped,
// and the model that answered. Parsing only: nothing here knows the tracing engine.

/** Details of a model response that become span attributes. */
export interface ResponseDetails {
  /** `chatcmpl-…`, `resp_…`, `msg_…`. */
  responseId?: string;
  /** The provider's request id (`x-request-id` / `request-id`), as the official SDKs expose it (`_request_id`). */
  requestId?: string;
  /** OpenAI `finish_reason` (first choice), Responses API `incomplete_details.reason` or `status`, Anthropic `stop_reason`. */
  finishReason?: string;
  /** The model the provider says answered (often a dated name). */
  responseModel?: string;
}

type Bag = Record<string, unknown>;
const isBag = (value: unknown): value is Bag => value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Reads the details of an OpenAI Chat Completions, OpenAI Responses or Anthropic Messages response; {} for anything else. */
export function responseDetails(value: unknown): ResponseDetails {
  const details: ResponseDetails = {};
  try {
    if (!isBag(value)) return details;
    const id = text(value.id);
    const requestId = text((value as { _request_id?: unknown })._request_id);
    if (requestId !== undefined) details.requestId = requestId;
    const model = text(value.model);
    if (Array.isArray(value.choices)) {
      // Chat Completions.
      const first = value.choices[0];
      const reason = isBag(first) ? text(first.finish_reason) : undefined;
      if (reason !== undefined) details.finishReason = reason;
    } else if (value.object === 'response' || (Array.isArray(value.output) && text(value.status) !== undefined)) {
      // Responses API: `status` is completed / incomplete / failed, with the reason apart.
      const incomplete = isBag(value.incomplete_details) ? text(value.incomplete_details.reason) : undefined;
      const reason = incomplete ?? text(value.status);
      if (reason !== undefined) details.finishReason = reason;
    } else if (value.type === 'message' || value.stop_reason !== undefined) {
      // Anthropic Messages.
      const reason = text(value.stop_reason);
      if (reason !== undefined) details.finishReason = reason;
    } else if (requestId === undefined) {
      return details;
    }
    if (id !== undefined) details.responseId = id;
    if (model !== undefined) details.responseModel = model;
  } catch {
    // An exotic object (a throwing getter): nothing to read.
  }
  return details;
}
