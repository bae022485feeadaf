export * from './namespaces.js';
export * from './parse.js';
export * from './dom.js';
export * from './xpath.js';
