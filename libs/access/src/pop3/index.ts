export * from './pop3-maildrop.port.js';
export * from './bus-pop3-backend.js';
export * from './pop3-server.js';
export { maildropLeaseKey } from './pop3-session.js';
