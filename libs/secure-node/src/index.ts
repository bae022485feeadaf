/**
 * @mesh/secure-node: the ATNA Secure Node sender. Services hand audit messages to
 * `createAuditSender(...).send()`; records reach the audit repository over the bus, through
 * a disk spool while the bus is unavailable.
 */
export { createAuditSender } from './sender.js';
export type { AuditSender, AuditSenderOptions, AuditSenderStats, SecureNodeLogger } from './sender.js';
export { SpoolFullError } from './spool.js';
