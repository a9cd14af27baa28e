export * from './message-intake.js';
export * from './header-scanner.js';
export * from './header-text.js';
