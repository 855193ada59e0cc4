import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';

/** The built `volt` bin, run as a user runs it (`npx tsc -b` builds packages/cli/dist first). */
export const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/main.js'))) {
    throw new Error('packages/cli/dist is not built: run `npx tsc -b` (npm test does) before these tests');
  }
}

/**
 * Someone whom file permissions bind: these tests often run as root, for whom a read-only file is
 * writable all the same, so they run volt as `nobody` then (uid/gid 65534).
 */
export const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** Runs `volt ARGS` in `cwd` and collects its exit code and output. */
export function volt(args: string[], cwd: string, as: { uid?: number; gid?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, ...as, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `volt ARGS | READER` through a real shell pipe (READER e.g. `head -n 1`, or `head -c 0`,
 * which closes the pipe before volt writes at all), so volt's stdout closes under it (EPIPE) as it
 * does at a terminal; resolves with volt's own exit code, what the reader printed, and volt's stderr.
 */
export function voltPiped(args: string[], reader: string, cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // PIPESTATUS[0] is volt's status, not the reader's; volt's stderr goes to our stderr pipe.
    const child = spawn('bash', ['-c', `${quoted} | ${reader}; exit "\${PIPESTATUS[0]}"`], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A temporary folder for one test file; removed when the file's tests end. */
export function scratch(prefix: string): { dir: string; folder(name: string): string; file(name: string, text: string | Buffer): string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `volt-hostile-${prefix}-`));
  // Readable by UNPRIVILEGED too.
  chmodSync(dir, 0o755);
  return {
    dir,
    folder(name) {
      const p = path.join(dir, name);
      mkdirSync(p, { recursive: true });
      return p;
    },
    file(name, text) {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
