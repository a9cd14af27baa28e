export { StoreModule, StoreReadsModule } from './store.module.js';
export { StoreReads } from './store-reads.js';
export { StoreAppends } from './store-appends.js';
export type { StoreConfig } from './store.config.js';
export { MailboxService } from './mailbox.service.js';
export { MessageService } from './message.service.js';
export { AppendService } from './append.service.js';
export { mailMigrations } from './migrations/mail-migrations.js';
export { composeStoreAppends } from './store-appends-composed.js';
