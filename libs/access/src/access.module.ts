import { Module, type DynamicModule } from '@nestjs/common';
import { ACCESS_CONFIG, type AccessConfig } from './access.config.js';
import { AccessService } from './access.service.js';

@Module({})
export class AccessModule {
  static forRoot(config: AccessConfig): DynamicModule {
    return {
      module: AccessModule,
      providers: [{ provide: ACCESS_CONFIG, useValue: config }, AccessService],
      exports: [AccessService],
    };
  }
}
