import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes every command keeps: 0 ok, 1 strategy or data error, 2 usage. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** A mistake in how the command was called; main prints it and exits 2. */
export class UsageError extends Error {}

/** node:util parseArgs, with its errors turned into UsageError so they exit 2. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs({ strict: true, allowPositionals: true, ...config }) as ReturnType<typeof parseArgs<T>>;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got '${raw}'`);
  return n;
}
