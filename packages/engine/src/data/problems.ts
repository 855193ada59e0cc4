import { VoltError } from '../errors.js';

/** Everything that can be wrong with a candle file, in the words `volt data check` prints. */
export type DataProblemKind =
  | 'unreadable' // the file cannot be read at all
  | 'empty' // no candle rows
  | 'bad-json' // not JSON, or not an array of candles
  | 'missing-column' // no column for time, open, high, low or close
  | 'header-mismatch' // the header names a different number of columns than the rows have
  | 'field-count' // one row has a different number of fields than the others
  | 'bad-timestamp' // a time that cannot be read
  | 'bad-price' // an open/high/low/close that is missing, not a number, zero or negative
  | 'bad-volume' // a volume that is not a number or negative
  | 'high-below-low'
  | 'ohlc-inconsistent' // high below open/close, or low above them
  | 'mixed-symbols' // rows of more than one symbol in one file
  | 'out-of-order' // a row whose time goes against the file's direction
  | 'duplicate'; // a second row for the same time

export interface DataProblem {
  kind: DataProblemKind;
  /** 1-based line in the file; 0 when the problem is the file as a whole. */
  line: number;
  /** 1-based column, for JSON files (often one long line). */
  column?: number;
  message: string;
  /** What the user can do about it. */
  hint: string;
  /** What `--lenient` does about it; absent when lenient mode cannot repair it either. */
  repair?: string;
}

/** The VoltError a loader throws: kind 'data', with the file, the line, the fix and the problem's kind. */
export class DataError extends VoltError {
  readonly problem: DataProblemKind;

  constructor(file: string, problem: DataProblem, more = 0) {
    super({
      kind: 'data',
      file,
      // Line 0: the file as a whole (it cannot be read), no line to point at.
      ...(problem.line > 0 ? { line: problem.line } : {}),
      ...(problem.column === undefined ? {} : { column: problem.column }),
      message:
        more > 0
          ? `${problem.message} (and ${more} more problem${more === 1 ? '' : 's'}: \`volt data check\` lists them all)`
          : problem.message,
      hint: problem.hint,
    });
    this.name = 'DataError';
    this.problem = problem.kind;
  }
}
