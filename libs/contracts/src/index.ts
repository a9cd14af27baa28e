export * from './contract.js';
export * from './common.schemas.js';
export * from './message-index.schemas.js';
export * from './auth.contract.js';
export * from './delivery.contract.js';
export * from './store.contract.js';
export * from './tracking.contract.js';
export * from './search-text.js';
