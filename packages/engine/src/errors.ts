/**
 * The one error type that reaches users. It always says where (file, line, column when known)
 * and what to do, so the CLI, the sidecar and the editors can show it without a stack trace.
 */
export type VoltErrorKind = 'data' | 'strategy' | 'usage' | 'config' | 'journal' | 'llm' | 'internal';

export interface VoltErrorInit {
  kind: VoltErrorKind;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** What the user should do about it, in one sentence. */
  hint?: string;
  cause?: unknown;
}

export class VoltError extends Error {
  readonly kind: VoltErrorKind;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly hint: string | undefined;

  constructor(init: VoltErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'VoltError';
    this.kind = init.kind;
    this.file = init.file;
    this.line = init.line;
    this.column = init.column;
    this.hint = init.hint;
  }

  /** `file:line:col: message (hint)`, the form editors and terminals make clickable. */
  format(): string {
    let where = '';
    if (this.file !== undefined) {
      where = this.file;
      if (this.line !== undefined) where += `:${this.line}`;
      if (this.line !== undefined && this.column !== undefined) where += `:${this.column}`;
      where += ': ';
    }
    return `${where}${this.message}${this.hint ? `\n  fix: ${this.hint}` : ''}`;
  }
}

export function isVoltError(e: unknown): e is VoltError {
  return e instanceof VoltError;
}
