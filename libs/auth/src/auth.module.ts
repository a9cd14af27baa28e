import { Module, type DynamicModule } from '@nestjs/common';
import { Database } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import { AUTH_CONFIG, loginSettings, type AuthConfig } from './auth.config.js';
import { AuthHandlers } from './auth.handlers.js';
import { DirectoryRepository } from './directory.repository.js';
import { DirectoryService } from './directory.service.js';
import { GroupService } from './group.service.js';
import { LoginService } from './login.service.js';
import { Argon2PasswordHasher, ARGON2_OPTIONS, PasswordHasher } from './password-hasher.js';
import { PgDirectoryRepository } from './pg-directory.repository.js';
import { RecipientService } from './recipient.service.js';

/** The directory service: domains, accounts, aliases, groups, logins. Needs `Bus` and `Database` provided globally. */
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
        {
          provide: LoginService,
          useFactory: (repo: DirectoryRepository, hasher: PasswordHasher) => new LoginService(repo, hasher, loginSettings(config), { logger }),
          inject: [DirectoryRepository, PasswordHasher],
        },
        { provide: GroupService, useFactory: (repo: DirectoryRepository) => new GroupService(repo), inject: [DirectoryRepository] },
        AuthHandlers,
      ],
      exports: [DirectoryService, RecipientService, LoginService],
    };
  }
}
