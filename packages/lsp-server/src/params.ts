/** Checking what a request carries, so a malformed one gets InvalidParams, not an exception from deep inside. */
import { parseDateOnly, parseTimestamp } from '@volt/engine';
import { ErrorCodes, ResponseError, WorkDoneProgress, type Connection, type ExecuteCommandParams, type ProgressToken, type WorkDoneProgressReporter } from 'vscode-languageserver';

export function requireDocument(params: { textDocument?: { uri?: unknown } }): void {
  if (typeof params?.textDocument?.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument.uri is required');
}

/** Params of a command whose argument is optional (`arguments: []` means all defaults). */
export function optionalArgument<T extends object>(params: ExecuteCommandParams): T {
  const first: unknown = params.arguments?.[0];
  if (first === undefined || first === null) return {} as T;
  if (typeof first !== 'object') throw new ResponseError(ErrorCodes.InvalidParams, `${params.command} expects an object argument`);
  return first as T;
}

/** The params of a command: `arguments[0]` as an object, or a bare URI string. */
export function commandArgument<T extends { uri: string }>(params: ExecuteCommandParams): T {
  const first: unknown = params.arguments?.[0];
  const arg = typeof first === 'string' ? { uri: first } : first;
  if (typeof arg !== 'object' || arg === null || typeof (arg as { uri?: unknown }).uri !== 'string') {
    throw new ResponseError(ErrorCodes.InvalidParams, `${params.command} expects arguments: [{ uri: 'file:///…' }]`);
  }
  return arg as T;
}

export function toEpochMs(v: string | number, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    try {
      const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? parseDateOnly(v) : parseTimestamp(v);
      // parseTimestamp answers NaN for text it cannot read: that is no date, not "the whole data set".
      if (Number.isFinite(ms)) return ms;
    } catch {
      // fall through to the error below
    }
  }
  throw new ResponseError(ErrorCodes.InvalidParams, `${what} must be an ISO date ('2024-01-31') or epoch milliseconds, got ${JSON.stringify(v)}`);
}

/** Where a VoltError says it happened, without its undefined fields. */
export function placeOf(e: { file?: string | undefined; line?: number | undefined; column?: number | undefined; hint?: string | undefined }) {
  const out: { file?: string; line?: number; column?: number; hint?: string } = {};
  if (e.file !== undefined) out.file = e.file;
  if (e.line !== undefined) out.line = e.line;
  if (e.column !== undefined) out.column = e.column;
  if (e.hint !== undefined) out.hint = e.hint;
  return out;
}

/** $/progress on a token the client sent with its request. */
export class ClientProgress implements WorkDoneProgressReporter {
  constructor(
    private readonly connection: Connection,
    private readonly progressToken: ProgressToken,
  ) {}
  begin(title: string, percentage?: number, message?: string, cancellable?: boolean): void {
    void this.connection.sendProgress(WorkDoneProgress.type, this.progressToken, { kind: 'begin', title, percentage, message, cancellable });
  }
  report(arg0: number | string, arg1?: string): void {
    const value = typeof arg0 === 'number' ? { kind: 'report' as const, percentage: arg0, message: arg1 } : { kind: 'report' as const, message: arg0 };
    void this.connection.sendProgress(WorkDoneProgress.type, this.progressToken, value);
  }
  done(): void {
    void this.connection.sendProgress(WorkDoneProgress.type, this.progressToken, { kind: 'end' });
  }
}
