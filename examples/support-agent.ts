// A small support agent: retrieve documents, ask a (fake) model, compose the answer.
// Every decorated method is recorded; nothing else in the class knows about tracing.
import { logMetric } from 'northstar-ai';
import { Ignore, ModelCall, Observe, Tool, Trace } from 'northstar-ai/decorators';

interface Doc {
  id: string;
  title: string;
  text: string;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const KNOWLEDGE_BASE: Doc[] = [
  { id: 'kb-1', title: 'Resetting your password', text: 'Open Settings > Security and choose "Reset password". A link valid for 30 minutes is emailed to you.' },
  { id: 'kb-2', title: 'Two-factor authentication', text: 'Enable 2FA under Settings > Security. Backup codes can be printed once.' },
  { id: 'kb-3', title: 'Billing cycles', text: 'Invoices are issued on the first day of each month and can be downloaded as PDF.' },
];

/** Stands in for an LLM client: answers in the shape of an OpenAI chat completion. */
async function fakeCompletion(model: string, messages: ChatMessage[]) {
  await new Promise((resolve) => setTimeout(resolve, 25));
  const question = messages[messages.length - 1]?.content ?? '';
  const promptTokens = Math.ceil(messages.map((m) => m.content).join(' ').length / 4);
  const content = `To reset your password, open Settings > Security and choose "Reset password" (asked: ${question}).`;
  return {
    id: 'chatcmpl-demo',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: { prompt_tokens: promptTokens, completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 },
  };
}

export class SupportAgent {
  constructor(private readonly model = 'gpt-4o-mini') {}

  /** A tool call: the dashboard lists it with its arguments and result. */
  @Tool('search-docs')
  async searchDocs(query: string, limit = 2): Promise<Doc[]> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const words = query.toLowerCase().split(/\W+/).filter((w) => w.length > 3);
    const hits = KNOWLEDGE_BASE.filter((doc) => words.some((w) => doc.text.toLowerCase().includes(w)));
    logMetric('documents_found', hits.length);
    return hits.slice(0, limit);
  }

  /** A model call: messages become events, usage and cost become attributes. */
  @ModelCall('draft-answer', { model: 'gpt-4o-mini', provider: 'openai' })
  async callModel(messages: ChatMessage[]) {
    return fakeCompletion(this.model, messages);
  }

  /** A plain step. */
  @Observe('compose-answer')
  composeAnswer(draft: string, docs: Doc[]): string {
    const sources = docs.map((d) => `[${d.id}] ${d.title}`).join(', ');
    return `${draft}\n\nSources: ${sources}`;
  }

  /** The run: its arguments are the trace input, its return value the final response. */
  @Trace('support-agent', { tags: ['demo'], metadata: { channel: 'chat' } })
  async answer(question: string, @Ignore() session?: { token: string }): Promise<string> {
    void session;
    const docs = await this.searchDocs(question);
    const context = docs.map((d) => `${d.title}: ${d.text}`).join('\n');
    const completion = await this.callModel([
      { role: 'system', content: `You are a support agent. Use only this context:\n${context}` },
      { role: 'user', content: question },
    ]);
    return this.composeAnswer(completion.choices[0]!.message.content, docs);
  }
}
