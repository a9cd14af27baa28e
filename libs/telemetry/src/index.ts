export * from './logger.js';
export * from './telemetry.js';
export * from './ops-server.js';
export * from './certificate-metrics.js';
export * from './tls-handshake-metrics.js';
