export * from './mail-store.port.js';
export * from './auth.port.js';
export * from './change-feed.port.js';
export * from './sharing.port.js';
export * from './mail-read-model.port.js';
