/**
 * @mesh/xds-validation: validation of XDS submissions (ITI-41, ITI-42, ITI-57) per ITI TF-3
 * 4.2.4 and the optionality tables of ITI TF-3 4.3, collecting every issue with its spec code
 * and location. Pure: no I/O; the affinity domain and registry lookups come in as a policy.
 */
export * from './policy.js';
export * from './formats.js';
export { RELATIONSHIP_TYPES, relationshipTargets, validateSubmission } from './validate.js';
