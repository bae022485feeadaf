/**
 * `pnpm exec tsx services/audit-repository/src/verify-main.ts [--schema audit]`: verifies the
 * audit repository's hash chains (ADR 0013) and prints the report as JSON. PostgreSQL from
 * DATABASE_URL (DATABASE_PASSWORD_FILE honoured); without it the embedded PGlite under
 * DATA_DIR (default ./data), which no running mesh may hold open. Exit status: 0 every chain
 * verifies, 1 problems found (altered, removed or re-linked records), 2 could not run.
 */
import { join, resolve } from 'node:path';
import { openDb } from '@mesh/db';
import { verifyChains } from './verify.js';

const args = process.argv.slice(2);
const at = args.indexOf('--schema');
const schema = at >= 0 ? args[at + 1] : 'audit';
if (schema === undefined || args.some((a, i) => a.startsWith('--') && a !== '--schema' && i !== at + 1)) {
  process.stderr.write('usage: verify-main.ts [--schema <name>]\n');
  process.exit(2);
}
const url = process.env['DATABASE_URL'];
try {
  const db = await openDb({
    schema,
    ...(url
      ? { url, statementTimeoutMs: 0 }
      : { dataDir: join(resolve(process.env['DATA_DIR'] ?? './data'), 'pg') }),
    ...(process.env['DATABASE_PASSWORD_FILE'] ? { passwordFile: process.env['DATABASE_PASSWORD_FILE'] } : {}),
    applicationName: 'mesh-audit-verify',
  });
  try {
    const report = await verifyChains(db);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
} catch (err) {
  process.stderr.write(`audit verify could not run: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
