/**
 * No orphans after a crash: a repository process is killed with SIGKILL in the middle of an
 * ITI-41 (document stored as pending, the registry not yet answered); the next process on the
 * same data directory reclaims it at start, and the document was never retrievable.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { soapCall } from '@mesh/soap';
import { NS } from '@mesh/xml';
import {
  ITI41_ACTION,
  ITI43_ACTION,
  cda,
  documentRequests,
  entry,
  iti41Request,
  newPatient,
  submission,
} from './test-fixtures.js';

const CHILD = fileURLToPath(new URL('./crash-child.test-helper.ts', import.meta.url));

function start(
  dataDir: string,
  env: Record<string, string>,
): { proc: ChildProcess; ready: Promise<string>; registering: Promise<void> } {
  const proc = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    // Embedded (PGlite on disk under DATA_DIR): the state survives the kill as a server's would.
    env: { ...process.env, DATABASE_URL: '', NATS_URL: '', DATA_DIR: dataDir, PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = new Promise<string>((resolve, reject) => {
    proc.on('message', (m: { ready?: string }) => m.ready && resolve(m.ready));
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  const registering = new Promise<void>((resolve) =>
    proc.on('message', (m: { registering?: boolean }) => m.registering && resolve()),
  );
  return { proc, ready, registering };
}

async function blobFiles(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'repository', 'blobs');
  const out: string[] = [];
  for (const d of await readdir(dir).catch(() => [] as string[]))
    for (const f of await readdir(join(dir, d))) out.push(f);
  return out;
}

describe('a repository process killed mid-submission', () => {
  let dataDir: string | undefined;
  const procs: ChildProcess[] = [];

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves nothing visible, and the next start reclaims the stored bytes', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mesh-repo-crash-'));
    const first = start(dataDir, {
      REPOSITORY_REGISTER_TIMEOUT_MS: '60000',
      REPOSITORY_PENDING_MAX_AGE_MS: '61000',
    });
    procs.push(first.proc);
    const url = await first.ready;

    const patient = newPatient();
    const e = entry(patient, 'Document01');
    const { body, attachments } = iti41Request(submission(patient, [e]), [
      { id: 'Document01', bytes: cda(patient, 500_000) },
    ]);
    const call = soapCall(`${url}/xds/repository`, { action: ITI41_ACTION, body, attachments }).catch(
      (err: unknown) => err,
    );
    await first.registering;
    expect(await blobFiles(dataDir)).toHaveLength(1);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    // The source never got an answer: it cannot believe the document was stored.
    expect(await call).toBeInstanceOf(Error);

    // The next process on the same data, started once the pending document is older than its
    // bound (1 s here, 10 min by default): its start-up sweep reclaims it.
    await new Promise((r) => setTimeout(r, 1_100));
    const second = start(dataDir, {
      REPOSITORY_REGISTER_TIMEOUT_MS: '100',
      REPOSITORY_PENDING_MAX_AGE_MS: '1000',
    });
    procs.push(second.proc);
    const url2 = await second.ready;
    expect(await blobFiles(dataDir)).toEqual([]);
    const res = await soapCall(`${url2}/xds/repository`, {
      action: ITI43_ACTION,
      body: documentRequests('RetrieveDocumentSetRequest', [{ uniqueId: e.uniqueId! }]),
    });
    await res.dispose();
    expect(res.body.getElementsByTagNameNS(NS.rs, 'RegistryError')[0]?.getAttribute('errorCode')).toBe(
      'XDSDocumentUniqueIdError',
    );
    second.proc.kill('SIGTERM');
    await new Promise((r) => second.proc.once('exit', r));
  }, 120_000);
});
