import { Injectable } from '@nestjs/common';
import { Observe, Tool } from 'northstar-ai/decorators';

@Injectable()
export class AppService {
  @Tool()
  async search(query: string): Promise<string[]> {
    return [`doc about ${query}`];
  }

  @Observe('compose')
  compose(question: string, docs: string[]): string {
    return `${question}: ${docs.join('; ')}`;
  }
}
