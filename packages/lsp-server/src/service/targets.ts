/**
 * Which files Volt's commands may act on. volt.backtest bundles and runs what it is given and
 * volt.analyze reads it, so both take strategy files of the workspace only: a `*.strategy.ts`
 * name, and (for files on disk) a real path inside a workspace folder or the config file's
 * folder, symbolic links resolved, so `file:///etc/passwd` or a link to it is refused unread.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type TargetCheck = { ok: true; file?: string } | { ok: false; message: string };

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function inside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Whether `command` may act on `uri`. `open` says the editor has the document open (an unsaved
 * buffer needs no file); `folders` are the workspace's folders.
 */
export function checkStrategyTarget(command: string, uri: string, folders: readonly string[], open: boolean): TargetCheck {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(uri).pathname);
  } catch {
    return { ok: false, message: `${command}: '${uri}' is not a URI; pass the file:// URI of a *.strategy.ts file` };
  }
  if (!pathname.endsWith('.strategy.ts')) {
    return { ok: false, message: `${command} works on strategy files (*.strategy.ts) only, and ${uri} is not one; rename it to NAME.strategy.ts if it is a strategy` };
  }
  if (!uri.startsWith('file:')) {
    if (open) return { ok: true };
    return { ok: false, message: `${command}: ${uri} is not a file on disk; save it as a *.strategy.ts file in the workspace first` };
  }
  const file = fileURLToPath(uri);
  const resolved = real(file);
  if (!folders.some((f) => inside(resolved, real(f)))) {
    return {
      ok: false,
      message: `${command}: ${file} is outside the workspace (${folders.join(', ')}); open the folder that holds it as the workspace`,
    };
  }
  return { ok: true, file: resolved };
}
