export { createTestPki } from './pki.js';
export type { TestPki, TestPkiOptions } from './pki.js';
export { DISTRIBUTED, publishPatientCreated, startTestMesh } from './mesh.js';
export type { TestMesh } from './mesh.js';
