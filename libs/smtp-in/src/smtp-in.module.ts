import { Module, type DynamicModule } from '@nestjs/common';
import { SMTP_IN_CONFIG, type SmtpInConfig } from './smtp-in.config.js';
import { SmtpInService } from './smtp-in.service.js';

/** SMTP reception (MX and submission). Needs `Bus` and `BlobStore` provided globally. */
@Module({})
export class SmtpInModule {
  static forRoot(config: SmtpInConfig): DynamicModule {
    return {
      module: SmtpInModule,
      providers: [{ provide: SMTP_IN_CONFIG, useValue: config }, SmtpInService],
      exports: [SmtpInService],
    };
  }
}
