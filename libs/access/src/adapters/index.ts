export * from './bus-mail-store.js';
export * from './bus-auth.js';
export * from './bus-change-feed.js';
export * from './bus-sharing.js';
export * from './direct-reads-mail-store.js';
