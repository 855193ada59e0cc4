/**
 * Static findings about a strategy's source. Positions are 0-based lines and UTF-16 characters, the
 * same convention as LSP, so the sidecar passes ranges through untouched and `volt lint` adds one.
 */
export type FindingSeverity = 'error' | 'warning' | 'info' | 'hint';

export interface SourcePoint {
  /** 0-based. */
  line: number;
  /** 0-based, UTF-16 code units. */
  character: number;
}

export interface SourceRange {
  start: SourcePoint;
  end: SourcePoint;
}

/** Replace `range` by `newText` (an empty range inserts). */
export interface SourceEdit {
  range: SourceRange;
  newText: string;
}

/** A mechanical fix: applying every edit (they never overlap) fixes the finding. */
export interface FindingFix {
  title: string;
  edits: SourceEdit[];
}

export interface Finding {
  /** 'VOLT101' … 'VOLT111' for trading rules, 'TS<n>' for TypeScript's own diagnostics. */
  code: string;
  severity: FindingSeverity;
  message: string;
  range: SourceRange;
  source: 'static' | 'typescript';
  fix?: FindingFix;
  /** The code is dead weight rather than wrong (editors fade it). */
  unnecessary?: boolean;
}

export interface AnalysisConfig {
  /** Largest allowed position as a fraction of equity before VOLT102 (default 0.10). */
  maxPositionCap?: number;
  /** Bars in the data the strategy will be backtested on; VOLT107 needs it to judge warm-up. */
  bars?: number;
  /** How to name that data in a message, e.g. 'synthetic:42' or 'data/BTC-1h.csv'. */
  dataLabel?: string;
  /** Run TypeScript's syntax and type checks too (default true). */
  typeCheck?: boolean;
}

export const DEFAULT_MAX_POSITION_CAP = 0.1;

/** Every static rule, for docs, `volt lint --help` and the sidecar's hover. */
export const STATIC_RULES = [
  { code: 'VOLT101', severity: 'warning', title: 'no stop-loss', fix: 'add a volatility stop' },
  { code: 'VOLT102', severity: 'warning', title: 'position size above the cap', fix: 'clamp to the cap' },
  { code: 'VOLT103', severity: 'warning', title: 'threshold literal in onBar', fix: 'move the literal into params' },
  { code: 'VOLT104', severity: 'error', title: 'lookahead: reads a bar after the current one', fix: null },
  { code: 'VOLT105', severity: 'error', title: 'wall clock or unseeded randomness', fix: 'Math.random() → ctx.random()' },
  { code: 'VOLT106', severity: 'error', title: 'I/O inside a strategy (network, files, processes)', fix: null },
  { code: 'VOLT107', severity: 'error', title: 'indicator cannot warm up on the configured data', fix: null },
  { code: 'VOLT108', severity: 'hint', title: 'fixed stop-loss where a volatility stop is available', fix: 'use { kind: "volatility" }' },
  { code: 'VOLT109', severity: 'warning', title: 'unused param', fix: 'remove the param' },
  { code: 'VOLT110', severity: 'warning', title: 'order without confidence or reason', fix: 'add confidence 0.5 and the signal as the reason' },
  { code: 'VOLT111', severity: 'warning', title: 'short option leg without a defined maximum loss', fix: null },
  { code: 'VOLT112', severity: 'error', title: 'lookahead: outside-signal data read around ctx.signals', fix: null },
  { code: 'VOLT113', severity: 'warning', title: 'ctx.signals name Volt does not know', fix: 'the closest known signal' },
] as const;
