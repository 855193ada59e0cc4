import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseTimestamp } from '@volt/engine/lib/data/timestamp';
import { VoltError } from '@volt/engine/lib/errors';
import type { RunFailure } from '@volt/engine';

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

/** `--from`/`--to`: a date (2024-01-31, 2024-01-31T12:00, UTC) or epoch ms. */
export function dateOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) && raw.length >= 10 ? Number(raw) : parseTimestamp(raw);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} expects a date such as 2024-01-31 or 2024-01-31T12:00, got '${raw}'`);
  return ms;
}

/** A failed sandboxed run as the one error the CLI prints: file:line, what happened (and at which bar), what to do. */
export function runFailureError(f: RunFailure, file: string): VoltError {
  return new VoltError({
    kind: f.errorKind === 'usage' ? 'usage' : f.kind === 'data' ? 'data' : 'strategy',
    message: f.bar !== undefined && !f.message.includes(`bar ${f.bar}`) ? `${f.message} (at bar ${f.bar})` : f.message,
    file: f.file ?? file,
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.column !== undefined ? { column: f.column } : {}),
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
  });
}
