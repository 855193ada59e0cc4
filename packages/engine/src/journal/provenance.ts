import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** sha256 of a file's text, the same hash the strategy loader reports; undefined when unreadable. */
export function fileContentHash(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The folder holding `.git` (a directory, or a file in worktrees and submodules) above `start`. */
function findGitDir(start: string): string | undefined {
  let dir = path.resolve(start);
  try {
    if (!statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  for (;;) {
    const dotGit = path.join(dir, '.git');
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return dotGit;
      // Worktree or submodule: ".git" is a file saying "gitdir: <path>".
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (m) return path.resolve(dir, m[1]!.trim());
      return undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readRef(gitDir: string, ref: string): string | undefined {
  // Linked worktrees keep branch refs in the common dir.
  const commonFile = path.join(gitDir, 'commondir');
  const common = existsSync(commonFile) ? path.resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
  for (const base of [gitDir, common]) {
    const loose = path.join(base, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
  }
  const packed = path.join(common, 'packed-refs');
  if (existsSync(packed)) {
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
    }
  }
  return undefined;
}

/**
 * The commit checked out in the git repository holding `start` (a file or folder), or null when it
 * is not in one. Reads .git/HEAD and refs directly (no git binary needed); falls back to
 * `git rev-parse HEAD` for layouts it does not know.
 */
export function gitCommitOf(start: string): string | null {
  try {
    const gitDir = findGitDir(start);
    if (gitDir === undefined) return null;
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const m = /^ref:\s*(.+)$/.exec(head);
    if (m) {
      const sha = readRef(gitDir, m[1]!);
      if (sha !== undefined) return sha;
    }
  } catch {
    // fall through to git itself
  }
  try {
    const cwd = existsSync(start) && statSync(start).isDirectory() ? start : path.dirname(start);
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}
