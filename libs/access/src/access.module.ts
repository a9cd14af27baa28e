import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata } from '@nestjs/common';
import { ACCESS_CONFIG, type AccessConfig } from './access.config.js';
import { AccessService } from './access.service.js';
import { MAIL_APPEND_MODEL, MAIL_READ_MODEL, type MailAppendModel, type MailReadModel } from './ports/mail-read-model.port.js';

/**
 * Where the store's read model comes from when this process serves reads itself (ADR 0057): the
 * module that provides it (the store's) and a factory over what it provides.
 */
export interface StoreReadsSource {
  imports: NonNullable<ModuleMetadata['imports']>;
  inject: InjectionToken[];
  useFactory: (...provided: any[]) => MailReadModel;
  /** the store's APPEND run in this process too (ADR 0063), from the same modules */
  appends?: { inject: InjectionToken[]; useFactory: (...provided: any[]) => MailAppendModel };
}

@Module({})
export class AccessModule {
  static forRoot(config: AccessConfig, reads?: StoreReadsSource): DynamicModule {
    return {
      module: AccessModule,
      imports: reads?.imports ?? [],
      providers: [
        { provide: ACCESS_CONFIG, useValue: config },
        ...(reads ? [{ provide: MAIL_READ_MODEL, useFactory: reads.useFactory, inject: reads.inject }] : []),
        ...(reads?.appends ? [{ provide: MAIL_APPEND_MODEL, useFactory: reads.appends.useFactory, inject: reads.appends.inject }] : []),
        AccessService,
      ],
      exports: [AccessService],
    };
  }
}
