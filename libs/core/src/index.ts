export * from './outcome.js';
export * from './transactions.js';
export * from './principal.js';
export * from './error-codes.js';
export * from './services.js';
