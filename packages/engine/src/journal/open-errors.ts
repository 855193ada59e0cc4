import { accessSync, constants, existsSync, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { VoltError } from '../errors.js';

/**
 * What went wrong opening or first writing a journal, in the user's terms. Three causes need three
 * different fixes, and the wrong one costs data: a read-only file or folder (make it writable), a
 * damaged journal (back it up and check it: it may hold runs, so never move it away), and a file
 * that is not SQLite at all (it holds no runs; another path will do).
 */
export function journalError(file: string, e: unknown, doing: 'open' | 'write'): VoltError {
  if (e instanceof VoltError) return e;
  const why = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  const readOnly = readOnlyReason(file);
  if (readOnly !== undefined && (doing === 'write' || isAccessError(code, why))) {
    return new VoltError({
      kind: 'journal',
      file,
      message: `the journal is read-only: ${readOnly.what}`,
      hint: `${readOnly.fix}, or pass --journal with another path`,
      cause: e,
    });
  }
  if (code === 'SQLITE_BUSY' || /database is locked/i.test(why)) {
    return new VoltError({
      kind: 'journal',
      file,
      message: 'the journal is locked by another process: a write held it past the busy timeout',
      hint: 'let the other run (a long `volt dryrun`, an export) finish and try again; nothing was written',
      cause: e,
    });
  }
  if (doing === 'open' && !existsSync(file)) {
    return new VoltError({
      kind: 'journal',
      file,
      message: `cannot create the journal: ${why}`,
      hint: 'check that the folder can be created and written, or pass --journal with another path',
      cause: e,
    });
  }
  if (existsSync(file) && !startsLikeSqlite(file)) {
    return new VoltError({
      kind: 'journal',
      file,
      message: 'this file is not a journal: it is not a SQLite database, so it holds no runs Volt can read',
      hint: `pass --journal with another path, or rename it (mv '${file}' '${file}.not-a-journal') and Volt starts a new journal here`,
      cause: e,
    });
  }
  return new VoltError({
    kind: 'journal',
    file,
    message: `the journal is damaged and cannot be ${doing === 'open' ? 'read' : 'written'}: ${why}`,
    hint:
      `it may hold runs: keep it. Back it up first (cp '${file}' '${file}.bak', and its -wal file if there is one), ` +
      `then run sqlite3 '${file}' 'PRAGMA integrity_check' to see what is damaged (.recover salvages what is left); ` +
      'pass --journal with another path to carry on meanwhile',
    cause: e,
  });
}

/** SQLite's and the file system's ways of saying "you may not write here". */
function isAccessError(code: unknown, message: string): boolean {
  if (typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
    return true;
  }
  return /readonly|read-only|unable to open database file|permission denied/i.test(message);
}

/** Why the journal cannot be written, when that is so: the file, or the folder SQLite writes beside it. */
function readOnlyReason(file: string): { what: string; fix: string } | undefined {
  const dir = nearestExisting(path.dirname(file));
  if (existsSync(file) && !writable(file)) {
    return { what: `${file} is not writable by you`, fix: `make it writable (chmod u+w '${file}')` };
  }
  if (!writable(dir)) {
    const beside = existsSync(file) ? 'SQLite writes the journal\'s -wal and -shm files beside it' : 'the journal is created there';
    return { what: `its folder ${dir} is not writable by you (${beside})`, fix: `make the folder writable (chmod u+w '${dir}')` };
  }
  return undefined;
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every SQLite 3 database starts with these 16 bytes; an empty file is a new database. */
function startsLikeSqlite(file: string): boolean {
  const head = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const n = readSync(fd, head, 0, 16, 0);
    return n === 0 || head.toString('latin1') === 'SQLite format 3\u0000';
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
