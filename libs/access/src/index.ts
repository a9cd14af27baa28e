export * from './access.config.js';
export * from './access.module.js';
export * from './access.service.js';
export * from './pop3/index.js';
export * from './imap/index.js';
export * from './ports/index.js';
export * from './adapters/index.js';
