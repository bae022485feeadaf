/**
 * What the registry's integration tests share (not exported from the package): a fresh registry
 * schema with the shipped affinity domain, on PGlite or, with DATABASE_URL, on PostgreSQL, and
 * the request context the transaction handlers take.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ANONYMOUS } from '@mesh/core';
import type { RequestContext, TransactionId } from '@mesh/core';
import { migrate, openTestDb } from '@mesh/db';
import type { Db } from '@mesh/db';
import { DEFAULT_AFFINITY_DOMAIN_URL, parseAffinityDomain } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { createRegistryStore } from './store.js';
import type { RegistryStore } from './store.js';

export interface RegistryTestEnv {
  readonly db: Db;
  readonly store: RegistryStore;
  readonly domain: AffinityDomain;
}

/** A migrated registry schema of its own (named after `prefix`) and the shipped affinity domain; close `db` after the file. */
export async function openRegistryTestEnv(prefix: string): Promise<RegistryTestEnv> {
  const db = await openTestDb({ prefix });
  await migrate(db, REGISTRY_MIGRATIONS);
  const domain = parseAffinityDomain(
    JSON.parse(await readFile(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as unknown,
  );
  return { db, store: createRegistryStore(db), domain };
}

/** An anonymous caller's context for `transaction` (a new wsa:MessageID unless one is given). */
export function testContext(
  transaction: TransactionId,
  messageId = `urn:uuid:${randomUUID()}`,
): RequestContext {
  return {
    transaction,
    principal: ANONYMOUS,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    messageId,
  };
}
