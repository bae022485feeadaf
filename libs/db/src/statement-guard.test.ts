import { describe, expect, it } from 'vitest';
import { assertStatementAllowed } from './statement-guard.js';

describe('assertStatementAllowed', () => {
  it.each([
    'SELECT 1',
    'insert into t values (1)',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'UPDATE settings SET a = 1',
  ])('allows ordinary statements: %s', (sql) => {
    expect(() => assertStatementAllowed(sql, false)).not.toThrow();
    expect(() => assertStatementAllowed(sql, true)).not.toThrow();
  });

  it.each([
    'BEGIN',
    'begin;',
    'START TRANSACTION',
    'COMMIT',
    'END',
    'ABORT',
    'ROLLBACK',
    "PREPARE TRANSACTION 'x'",
  ])('refuses transaction control anywhere: %s', (sql) => {
    expect(() => assertStatementAllowed(sql, false)).toThrow(/db.transaction/);
    expect(() => assertStatementAllowed(sql, true)).toThrow(/db.transaction/);
  });

  it('sees through leading comments and whitespace', () => {
    expect(() => assertStatementAllowed('-- hi\n  /* multi\nline */ set search_path = x', false)).toThrow(
      /SET/,
    );
    expect(() => assertStatementAllowed('/* a */\n-- b\nBEGIN', true)).toThrow(/BEGIN/);
  });

  it('allows SET LOCAL and savepoints only inside a transaction', () => {
    for (const sql of [
      'SET LOCAL lock_timeout = 100',
      'SAVEPOINT s1',
      'RELEASE SAVEPOINT s1',
      'ROLLBACK TO s1',
    ]) {
      expect(() => assertStatementAllowed(sql, true)).not.toThrow();
      expect(() => assertStatementAllowed(sql, false)).toThrow(/not allowed/);
    }
    expect(() => assertStatementAllowed('SET search_path TO other', true)).toThrow(/SET LOCAL/);
    expect(() => assertStatementAllowed('RESET search_path', true)).toThrow(/RESET/);
    expect(() => assertStatementAllowed('DISCARD ALL', false)).toThrow(/DISCARD/);
  });
});
