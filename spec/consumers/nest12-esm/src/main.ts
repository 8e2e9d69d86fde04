// NestJS 12 is ESM-only: an ESM application importing the package's ESM build, started
// and hit over HTTP, configured with NorthstarModule.forRoot.
import 'reflect-metadata';
import assert from 'node:assert/strict';

import { Controller, Get, Injectable, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NorthstarModule, Tool, Trace } from 'northstar-ai/decorators';

const environment = process.argv[2] ?? 'nest12-esm';

@Injectable()
class WeatherService {
  @Tool()
  async forecast(city: string): Promise<string> {
    return `sunny in ${city}`;
  }
}

@Controller('weather')
class WeatherController {
  constructor(private readonly weather: WeatherService) {}

  @Get(':city')
  @Trace('nest12-weather')
  async get(@Param('city') city: string): Promise<{ forecast: string }> {
    return { forecast: await this.weather.forecast(city) };
  }
}

@Module({
  imports: [
    NorthstarModule.forRoot({
      apiKey: process.env.COLLECTOR_API_KEY,
      endpoint: process.env.COLLECTOR_URL,
      project: 'consumers',
      environment,
    }),
  ],
  controllers: [WeatherController],
  providers: [WeatherService],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
const response = await fetch(`${base}/weather/oslo`);
assert.equal(response.status, 200);
assert.deepEqual(await response.json(), { forecast: 'sunny in oslo' });
await app.close();

const stored: any = await (await fetch(process.env.COLLECTOR_STATE_URL!)).json();
const run = stored.runs.find((r: any) => r.metadata?.environment === environment && r.name === 'nest12-weather');
assert.ok(run, 'run stored');
assert.equal(run.status, 'ok');
assert.deepEqual(
  stored.spans.filter((s: any) => s.run_id === run.id).map((s: any) => `${s.kind}:${s.name}`),
  ['tool:forecast'],
);
const output = stored.events.find((e: any) => e.run_id === run.id && e.type === 'final_response');
assert.deepEqual(output?.content, { forecast: 'sunny in oslo' });
console.log(`${environment}: run delivered`);
