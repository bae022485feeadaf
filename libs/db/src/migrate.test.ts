import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrationChecksum, MigrationError } from './index.js';

describe('loadMigrations', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  async function dirWith(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-migrations-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  it('reads NNNN_name.sql files in version order, ignoring other files', async () => {
    const dir = await dirWith({
      '0002_seed.sql': 'INSERT INTO t VALUES (1);',
      '0001_init.sql': 'CREATE TABLE t (n int);',
      'README.md': 'not a migration',
    });
    expect(await loadMigrations(dir)).toEqual([
      { version: 1, name: 'init', sql: 'CREATE TABLE t (n int);' },
      { version: 2, name: 'seed', sql: 'INSERT INTO t VALUES (1);' },
    ]);
    expect(await loadMigrations(pathToFileURL(dir + '/'))).toHaveLength(2);
  });

  it('rejects a gap', async () => {
    const dir = await dirWith({ '0001_a.sql': 'SELECT 1;', '0003_c.sql': 'SELECT 1;' });
    await expect(loadMigrations(dir)).rejects.toThrow(/Migration 3 \(c\): gap/);
  });

  it('rejects a duplicate version', async () => {
    const dir = await dirWith({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' });
    await expect(loadMigrations(dir)).rejects.toThrow(/duplicate/);
  });

  it('rejects a badly named or empty .sql file', async () => {
    await expect(loadMigrations(await dirWith({ '1_init.sql': 'SELECT 1;' }))).rejects.toThrow(
      MigrationError,
    );
    await expect(loadMigrations(await dirWith({ '0001_Init.sql': 'SELECT 1;' }))).rejects.toThrow(
      /NNNN_name/,
    );
    await expect(loadMigrations(await dirWith({ '0001_init.sql': '  \n' }))).rejects.toThrow(/empty/);
  });

  it('must start at version 1', async () => {
    await expect(loadMigrations(await dirWith({ '0002_b.sql': 'SELECT 1;' }))).rejects.toThrow(/gap/);
  });
});

describe('migrationChecksum', () => {
  it('changes with the text but not with line endings', () => {
    expect(migrationChecksum('a;\nb;')).toBe(migrationChecksum('a;\r\nb;'));
    expect(migrationChecksum('a;\nb;')).not.toBe(migrationChecksum('a;\nc;'));
    expect(migrationChecksum('')).toMatch(/^[0-9a-f]{64}$/);
  });
});
