export { createTestPki } from './pki.js';
export type { TestPki, TestPkiOptions } from './pki.js';
