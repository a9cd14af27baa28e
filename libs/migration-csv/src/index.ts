export * from './migration-csv.js';
