/**
 * @mesh/xds: the XDS metadata model (ITI TF-3 4.2.3), its constants (ITI TF-3 4.2.5) and its
 * ebRIM 3.0 form both ways. Pure: no I/O.
 */
export * from './model.js';
export * from './constants.js';
export * from './hl7.js';
export * from './ebrim-read.js';
export * from './ebrim-write.js';
export * from './extra-metadata.js';
export * from './ids.js';
