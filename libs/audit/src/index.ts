/**
 * @mesh/audit: the DICOM PS3.15 audit message (ATNA, ITI TF-2 3.20) as a pure model, its
 * XML form both ways, and the builders every actor uses for its transaction audits.
 */
export * from './model.js';
export * from './errors.js';
export * from './xml.js';
export * from './codes.js';
export * from './builders.js';
export * from './security-events.js';
