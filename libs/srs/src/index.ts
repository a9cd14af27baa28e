export * from './srs.js';
