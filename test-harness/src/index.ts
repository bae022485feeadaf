/**
 * `@mesh/test-harness`: a black-box conformance runner. It plays YAML scenarios over SOAP
 * (with MTOM/XOP), plain HTTP, MLLP and syslog against any endpoint, the mesh or a vendor's
 * system, and reports per step. It imports no service code.
 */
import { fileURLToPath } from 'node:url';

export * from './model.js';
export { runScenarios, runScenario, stepName } from './runner.js';
export type { RunOptions } from './runner.js';
export {
  ScenarioFileError,
  isValidatedScenario,
  loadScenarioFiles,
  parseScenarioYaml,
  validateScenario,
} from './load.js';
export { expandScenarioPaths } from './files.js';
export { formatReport, formatScenario, formatSummary, toJUnit } from './report.js';
export { main as cliMain } from './cli.js';
export type { CliIo } from './cli.js';
export { buildMtom, parseMultipart, sha1Hex } from './mtom.js';
export { mllpFrame, mllpUnframe, parseHl7, hl7Get, normalizeHl7 } from './hl7.js';
export { buildSyslog, octetCountingFrame, parseOctetCounting } from './syslog.js';
export { substitute, uuidToOid } from './vars.js';

/** Directory of the scenarios shipped with the harness (`test-harness/scenarios`). */
export const SCENARIOS_DIR: string = fileURLToPath(new URL('../scenarios', import.meta.url));
