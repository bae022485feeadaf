/**
 * Small named errors of the bus, each with the underlying `cause` (nats.js style). A
 * handler's MeshError is not wrapped: it reaches the requester as a MeshError with the same
 * Outcome and fault (see envelope.ts).
 */

/** Base class so callers can tell bus failures from domain errors with one `instanceof`. */
export class BusError extends Error {
  override name = 'BusError';
  /** The subject the operation was about (without deployment prefix). */
  readonly subject: string | undefined;

  constructor(message: string, options: { subject?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.subject = options.subject;
  }
}

/** No reply (or no JetStream ack) arrived within the timeout. The remote side may still act. */
export class BusTimeoutError extends BusError {
  override name = 'BusTimeoutError';
  readonly timeoutMs: number;

  constructor(subject: string, timeoutMs: number, cause?: unknown) {
    super(`no reply on '${subject}' within ${timeoutMs} ms`, { subject, cause });
    this.timeoutMs = timeoutMs;
  }
}

/** Nobody serves the request subject (no subscriber, so the request was not delivered at all). */
export class NoRespondersError extends BusError {
  override name = 'NoRespondersError';

  constructor(subject: string, cause?: unknown) {
    super(`no responders for '${subject}'`, { subject, cause });
  }
}

/**
 * The remote handler failed with something other than a MeshError. Its details stay in the
 * serving process's log; the requester gets the error's name only (no stack, no PHI).
 */
export class RemoteHandlerError extends BusError {
  override name = 'RemoteHandlerError';
  /** The `name` of the error the remote handler threw. */
  readonly remoteName: string;

  constructor(subject: string, remoteName: string) {
    super(`handler for '${subject}' failed (${remoteName})`, { subject });
    this.remoteName = remoteName;
  }
}

/** The bus is closed, or not connected and the operation cannot be buffered. */
export class BusUnavailableError extends BusError {
  override name = 'BusUnavailableError';
}

/** The payload is larger than the server's max_payload (NATS default 1 MiB). */
export class PayloadTooLargeError extends BusError {
  override name = 'PayloadTooLargeError';
  readonly size: number;
  readonly limit: number;

  constructor(subject: string, size: number, limit: number) {
    super(`payload for '${subject}' is ${size} bytes, over the ${limit} byte limit`, { subject });
    this.size = size;
    this.limit = limit;
  }
}

/** An event was published before its stream exists (call `ensureStreams()` at start-up). */
export class StreamNotFoundError extends BusError {
  override name = 'StreamNotFoundError';
}
