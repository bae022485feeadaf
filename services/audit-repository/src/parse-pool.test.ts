import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditFormatError } from '@mesh/audit';
import { createParsePool } from './parse-pool.js';
import { prepareRecord } from './record.js';

const IPF_DIR = fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/audit/', import.meta.url));

describe('parse pool (worker threads)', () => {
  const pool = createParsePool(2);
  afterAll(() => pool.close());

  it('gives what prepareRecord gives on this thread, for each IPF message', async () => {
    const files = readdirSync(IPF_DIR).filter((f) => f.endsWith('.xml'));
    const inputs = files.map((f) => ({
      xml: readFileSync(join(IPF_DIR, f)),
      transport: 'tls' as const,
      peer: '10.0.0.1',
    }));
    const got = await Promise.all(inputs.map((i) => pool.prepare(i)));
    expect(got).toEqual(inputs.map((i) => prepareRecord(i)));
    expect(pool.workers()).toBe(2);
  });

  it('rejects what is not an audit message with the same AuditFormatError reason', async () => {
    const err = await pool.prepare({ xml: '<Envelope/>', transport: 'udp' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditFormatError);
    expect((err as AuditFormatError).reason).toBe('not-audit-message');
    const bomb = '<!DOCTYPE a [<!ENTITY x "y">]><AuditMessage>&x;</AuditMessage>';
    await expect(pool.prepare({ xml: bomb, transport: 'udp' })).rejects.toMatchObject({
      reason: 'malformed-xml',
    });
  });
});
