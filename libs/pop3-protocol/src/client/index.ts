export * from './pop3-reply-error.js';
export * from './multiline-decoder.js';
export * from './reply-line.js';
export * from './listings.js';
