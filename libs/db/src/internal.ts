/**
 * Package-private capability: run a multi-statement SQL script (simple query protocol).
 * Only migrations need it; it is deliberately not on the public Queryable so service code
 * cannot send parameter-less multi-statement strings.
 */
export const RUN_SCRIPT: unique symbol = Symbol('mesh.db.runScript');

export interface ScriptRunner {
  [RUN_SCRIPT](sql: string): Promise<void>;
}

export function canRunScript(q: object): q is ScriptRunner {
  return typeof (q as Partial<ScriptRunner>)[RUN_SCRIPT] === 'function';
}

/** BEGIN statements per isolation level: picked from a closed map, never built from input. */
export const BEGIN = {
  default: 'BEGIN',
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
} as const;
