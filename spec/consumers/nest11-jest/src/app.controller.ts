import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { Ignore, Trace } from 'northstar-ai/decorators';

import { AppService } from './app.service.js';

@Controller('agent')
export class AppController {
  constructor(private readonly service: AppService) {}

  // @Trace above the route decorator...
  @Trace('nest-ask')
  @Get('ask')
  async ask(@Query('q') question: string, @Req() @Ignore() _request: unknown): Promise<{ answer: string }> {
    const docs = await this.service.search(question);
    return { answer: this.service.compose(question, docs) };
  }

  // ...and below it.
  @Post('feedback')
  @HttpCode(202)
  @Trace('nest-feedback')
  feedback(@Body() body: { rating: number }): { stored: boolean } {
    return { stored: body.rating > 0 };
  }
}
