export * from './pop3-command.js';
export * from './pop3-command-parser.js';
export * from './pop3-line-reader.js';
export * from './pop3-response.js';
export * from './sasl-plain.js';
export * from './dot-stuffer.js';
export * from './top-limiter.js';
export * from './client/index.js';
