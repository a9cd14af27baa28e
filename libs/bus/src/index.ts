export * from './bus.port.js';
export * from './in-process-bus.js';
export * from './nats-bus.js';
export * from './lease-store.port.js';
export * from './memory-lease-store.js';
export * from './nats-kv-lease-store.js';
export * from './bus.module.js';
export { subjectMatches } from './subject-match.js';
export * from './cached-requester.js';
