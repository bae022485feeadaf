/**
 * The logger surface the transport needs: pino-compatible, so a service passes its pino
 * child logger (or the runtime's ServiceLogger) as is. Nothing logged here carries payload
 * bytes: HL7 messages hold PHI.
 */
export interface MllpLogger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Default: silent. A transport library should not write to stdout on its own. */
export const silentLogger: MllpLogger = {
  warn: () => undefined,
  error: () => undefined,
};
