export * from './blob-store.port.js';
export * from './blob-key.js';
export * from './read-all.js';
export * from './fs-blob-store.js';
export * from './s3-blob-store.js';
export * from './caching-blob-store.js';
export * from './inline-blob-store.js';
export * from './inline-body-check.js';
