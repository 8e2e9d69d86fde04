// A small agent built on the Vercel AI SDK (`ai` 7): `generateText` with two tools in a
// tool loop, and a streamed follow-up. The AI SDK reports its own steps, model calls and
// tool executions to NorthStar (see ai-sdk-demo.ts); the decorators add the trace around
// it and the tools' own spans inside the AI SDK's tool spans.
import { generateText, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { Tool, Trace } from 'northstar-ai/decorators';
import { z } from 'zod';

/** The tools' implementations; each call is a `tool` span under the AI SDK's tool execution. */
export class WeatherService {
  @Tool('forecast-lookup')
  async forecast(city: string, unit: string): Promise<{ city: string; temperature: number; unit: string; sky: string }> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { city, temperature: unit === 'fahrenheit' ? 70 : 21, unit, sky: 'sunny' };
  }

  @Tool('clock')
  localTime(tz: string): string {
    return `12:00 (${tz})`;
  }
}

export class WeatherAgent {
  private readonly service = new WeatherService();

  constructor(private readonly model: LanguageModel) {}

  /** One question, answered with the tools; a run of its own. */
  @Trace('weather-agent')
  async ask(question: string): Promise<string> {
    const result = await generateText({
      model: this.model,
      system: 'You answer weather questions in one sentence.',
      prompt: question,
      tools: {
        get_weather: tool({
          description: 'Current weather of a city',
          inputSchema: z.object({ city: z.string(), unit: z.string() }),
          execute: ({ city, unit }) => this.service.forecast(city, unit),
        }),
        get_time: tool({
          description: 'Local time of a time zone',
          inputSchema: z.object({ tz: z.string() }),
          execute: async ({ tz }) => this.service.localTime(tz),
        }),
      },
      stopWhen: stepCountIs(4),
    });
    return result.text;
  }

  /** A follow-up, streamed to the caller chunk by chunk. */
  @Trace('weather-agent-stream')
  async *stream(question: string): AsyncGenerator<string> {
    const result = streamText({ model: this.model, prompt: question });
    for await (const chunk of result.textStream) yield chunk;
  }
}
