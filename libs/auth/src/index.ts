export { AuthModule } from './auth.module.js';
export type { AuthConfig } from './auth.config.js';
export { DirectoryService } from './directory.service.js';
export { RecipientService, type Resolution } from './recipient.service.js';
export { LoginService, type LoginResult } from './login.service.js';
export { directoryMigrations } from './migrations/001-directory.js';
