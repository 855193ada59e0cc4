import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_VERSION } from './schema.js';

export interface JournalHealth {
  path: string;
  exists: boolean;
  /** PRAGMA user_version of the file; undefined when it could not be read. */
  schemaVersion?: number;
  /** The newest schema this Volt knows: a journal above it was written by a newer Volt. */
  knownSchemaVersion: number;
  /** PRAGMA quick_check: 'ok', or SQLite's own words for what is wrong. */
  quickCheck?: string;
  runs?: number;
  bytes?: number;
  /** Why it could not be opened, in a sentence. */
  problem?: string;
}

/**
 * The journal at `file` as `volt doctor` reports it, read only: unlike Journal.open it neither
 * migrates nor marks abandoned runs, so looking changes nothing. Never throws.
 */
export function inspectJournal(file: string): JournalHealth {
  const abs = path.resolve(file);
  const health: JournalHealth = { path: abs, exists: existsSync(abs), knownSchemaVersion: SCHEMA_VERSION };
  if (!health.exists) return health;
  let db: Database.Database | undefined;
  try {
    health.bytes = statSync(abs).size;
    db = new Database(abs, { readonly: true, fileMustExist: true, timeout: 2000 });
    health.schemaVersion = db.pragma('user_version', { simple: true }) as number;
    health.quickCheck = (db.pragma('quick_check') as Array<Record<string, unknown>>).map((r) => String(Object.values(r)[0])).join('; ');
    const hasRuns = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).get() !== undefined;
    if (hasRuns) health.runs = db.prepare('SELECT count(*) FROM runs').pluck().get() as number;
  } catch (e) {
    health.problem = `cannot read it as a journal (${(e as Error).message})`;
  } finally {
    db?.close();
  }
  return health;
}
