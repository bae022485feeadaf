import { MeshError } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import { decodeReply, encodeErrorReply, encodeJson, HEADER_ERROR, HEADER_ERROR_CODE } from './envelope.js';
import { PayloadTooLargeError, RemoteHandlerError } from './errors.js';

describe('reply envelope', () => {
  it('round-trips a MeshError with its outcome and fault, as a NATS service error', () => {
    const e = MeshError.of('XDSRegistryBusy', 'too many\r\nrequests', { fault: 'busy' });
    const wire = encodeErrorReply('registry.register', e, undefined);
    expect(wire.headers[HEADER_ERROR_CODE]).toBe('503');
    expect(wire.headers[HEADER_ERROR]).not.toMatch(/[\r\n]/);
    let caught: unknown;
    try {
      decodeReply('registry.register', wire);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MeshError);
    expect((caught as MeshError).outcome).toEqual(e.outcome);
    expect((caught as MeshError).fault).toBe('busy');
  });

  it('reduces other errors to their name and logs them once', () => {
    const logged: unknown[] = [];
    const logger = { warn: () => undefined, error: (o: object) => void logged.push(o) };
    const wire = encodeErrorReply('mpi.resolve', new RangeError('PHI inside'), logger);
    expect(logged).toHaveLength(1);
    expect(() => decodeReply('mpi.resolve', wire)).toThrow(RemoteHandlerError);
    expect(new TextDecoder().decode(wire.data)).not.toContain('PHI');
  });

  it('treats a foreign NATS service error without body as a remote error', () => {
    const wire = { headers: { [HEADER_ERROR]: 'boom', [HEADER_ERROR_CODE]: '500' }, data: new Uint8Array() };
    expect(() => decodeReply('mpi.resolve', wire)).toThrow(RemoteHandlerError);
  });

  it('decodes a plain reply', () => {
    const wire = { headers: {}, data: encodeJson('mpi.resolve', { found: false }, 100) };
    expect(decodeReply('mpi.resolve', wire)).toEqual({ found: false });
  });

  it('refuses payloads over the limit', () => {
    expect(() => encodeJson('mpi.resolve', { s: 'x'.repeat(200) }, 100)).toThrow(PayloadTooLargeError);
  });
});
