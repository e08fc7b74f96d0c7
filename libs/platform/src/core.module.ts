import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from './tokens';

/** The validated configuration and the logger, visible to every module. */
@Module({})
export class CoreModule {
  static register(config: unknown, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [CONFIG, LOGGER],
    };
  }
}
