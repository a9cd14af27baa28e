import { Module, type DynamicModule } from '@nestjs/common';
import { Database } from '@mail/db';
import { NoSecretSealer, SecretSealer } from './connector-secrets.js';
import { ConnectorRepository } from './connector.repository.js';
import { ConnectorService } from './connector.service.js';
import { ConnectorsHandlers } from './connectors.handlers.js';

export interface ConnectorsConfig {
  /** seals smart-host passwords at rest (SecretBox with SECRETS_KEY) */
  sealer?: SecretSealer;
}

/**
 * Connectors as objects (ADR 0011): the `connectors` schema and its contracts. Runs in the auth
 * service's process (distributed) and in the embedded process. Needs `Bus` and `Database` provided globally.
 */
@Module({})
export class ConnectorsModule {
  static forRoot(config: ConnectorsConfig): DynamicModule {
    return {
      module: ConnectorsModule,
      providers: [
        { provide: SecretSealer, useValue: config.sealer ?? new NoSecretSealer() },
        {
          provide: ConnectorService,
          useFactory: (db: Database, sealer: SecretSealer) => new ConnectorService(db, new ConnectorRepository(), sealer),
          inject: [Database, SecretSealer],
        },
        ConnectorsHandlers,
      ],
      exports: [ConnectorService],
    };
  }
}
