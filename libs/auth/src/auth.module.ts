import { Module, type DynamicModule } from '@nestjs/common';
import { ContractError } from '@mail/contracts';
import { Database } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { AUTH_CONFIG, loginSettings, type AuthConfig } from './auth.config.js';
import { AuthHandlers } from './auth.handlers.js';
import { DirectoryRepository } from './directory.repository.js';
import { DirectoryService } from './directory.service.js';
import { GroupService } from './group.service.js';
import { DkimKeyRepository } from './dkim/dkim-key.repository.js';
import { DkimHandlers } from './dkim/dkim.handlers.js';
import { DkimService } from './dkim/dkim.service.js';
import { LoginService } from './login.service.js';
import { LoginThrottleStore } from './login-throttle.store.js';
import { PgLoginThrottleStore } from './pg-login-throttle.store.js';
import { Argon2PasswordHasher, ARGON2_OPTIONS, PasswordHasher } from './password-hasher.js';
import { PgDirectoryRepository } from './pg-directory.repository.js';
import { RecipientService } from './recipient.service.js';

/** Without SECRETS_KEY wiring no private key may be stored: better no DKIM key than one in clear. */
const refusingSealer = {
  seal: (): string => {
    throw new ContractError('UNAVAILABLE', 'no secrets key configured: DKIM private keys cannot be sealed');
  },
  open: (): string => {
    throw new ContractError('UNAVAILABLE', 'no secrets key configured');
  },
};

/** The directory service: domains, accounts, aliases, groups, logins, DKIM keys. Needs `Bus` and `Database` provided globally. */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig = {}): DynamicModule {
    const logger = createLogger('auth');
    return {
      module: AuthModule,
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        { provide: PasswordHasher, useFactory: () => new Argon2PasswordHasher(config.argon2 ?? ARGON2_OPTIONS) },
        { provide: DirectoryRepository, useFactory: (db: Database) => new PgDirectoryRepository(db), inject: [Database] },
        {
          provide: DirectoryService,
          useFactory: (repo: DirectoryRepository, hasher: PasswordHasher) => new DirectoryService(repo, hasher),
          inject: [DirectoryRepository, PasswordHasher],
        },
        {
          provide: RecipientService,
          useFactory: (repo: DirectoryRepository) =>
            new RecipientService(repo, undefined, (address, why) => logger.warn({ address, why }, 'alias or group expansion truncated')),
          inject: [DirectoryRepository],
        },
        { provide: LoginThrottleStore, useFactory: (db: Database) => new PgLoginThrottleStore(db), inject: [Database] },
        {
          provide: LoginService,
          useFactory: (repo: DirectoryRepository, hasher: PasswordHasher, throttle: LoginThrottleStore) => new LoginService(repo, hasher, throttle, loginSettings(config), { logger }),
          inject: [DirectoryRepository, PasswordHasher, LoginThrottleStore],
        },
        { provide: GroupService, useFactory: (repo: DirectoryRepository) => new GroupService(repo), inject: [DirectoryRepository] },
        {
          provide: DkimService,
          useFactory: (repo: DirectoryRepository, db: Database) => new DkimService(repo, new DkimKeyRepository(db), config.secrets ?? refusingSealer, config.hostname ?? 'localhost'),
          inject: [DirectoryRepository, Database],
        },
        AuthHandlers,
        DkimHandlers,
      ],
      exports: [DirectoryService, RecipientService, LoginService],
    };
  }
}
