import { Module } from '@nestjs/common';
import { NorthstarModule } from 'northstar-ai/decorators';

import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';

@Module({
  imports: [
    NorthstarModule.forRoot({
      apiKey: process.env.COLLECTOR_API_KEY,
      endpoint: process.env.COLLECTOR_URL,
      project: 'consumers',
      environment: 'nest11-jest',
    }),
  ],
  controllers: [AppController],
  providers: [AppService],
})
export class AppModule {}
