/**
 * TEST ONLY: a throw-away PKI made with the `openssl` CLI in a temp directory, so no private
 * key is ever committed. Two CAs: `ca` (trusted by the server) and `rogue` (not trusted),
 * a server certificate for 127.0.0.1/localhost, a client certificate from each CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly ca: Buffer;
  readonly server: { readonly key: Buffer; readonly cert: Buffer };
  /** Signed by `ca`. */
  readonly client: { readonly key: Buffer; readonly cert: Buffer };
  /** Signed by a CA the server does not trust. */
  readonly rogueClient: { readonly key: Buffer; readonly cert: Buffer };
}

export interface TestPkiOptions {
  /** openssl -subj of the trusted client certificate; default `/CN=mesh client`. */
  readonly clientSubject?: string;
}

/** Creates the PKI (a few hundred ms: openssl runs six times). Needs `openssl` on PATH. */
export function createTestPki(opts: TestPkiOptions = {}): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-test-pki-'));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    for (const ca of ['ca', 'rogue']) {
      openssl(
        'req', '-x509', ...ecKey, '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2',
        '-subj', `/CN=mesh ${ca} test CA`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign',
      ); // prettier-ignore
    }
    writeFileSync(
      join(dir, 'server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    const issue = (name: string, ca: string, ext: string, subject = `/CN=mesh ${name}`): void => {
      openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
        '-out', `${name}.crt`, '-days', '2', '-extfile', ext,
      ); // prettier-ignore
    };
    issue('server', 'ca', 'server.ext');
    issue('client', 'ca', 'client.ext', opts.clientSubject);
    issue('rogue-client', 'rogue', 'client.ext');
    const read = (f: string): Buffer => readFileSync(join(dir, f));
    const pair = (n: string) => ({ key: read(`${n}.key`), cert: read(`${n}.crt`) });
    return {
      ca: read('ca.crt'),
      server: pair('server'),
      client: pair('client'),
      rogueClient: pair('rogue-client'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
