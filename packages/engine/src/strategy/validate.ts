import { readFileSync } from 'node:fs';
import { VoltError } from '../errors.js';
import { timeframeToMs } from '../data/timeframe.js';
import { locateProperty } from './source-location.js';
import type { StrategyDefinition } from './types.js';

/** One thing wrong with a strategy's shape: where (a property path) and what to do. */
export interface StrategyProblem {
  /** Property path inside the definition, e.g. ['risk', 'stopLoss']; empty for the whole export. */
  path: string[];
  message: string;
  hint: string;
}

const TOP_LEVEL_KEYS = ['name', 'timeframe', 'symbols', 'params', 'indicators', 'onBar', 'risk', 'pyramiding'];
const RISK_KEYS = ['stopLoss', 'takeProfit', 'maxPositionPct'];
const PARAM_SPEC_KEYS = ['value', 'min', 'max', 'step', 'description'];
const VOLATILITY_STOP_KEYS = ['kind', 'atrMultiple', 'period'];

const SHAPE_HINT = 'export default defineStrategy({ name, params, indicators, onBar, risk })';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `a ${typeof v}`;
}

/** Edit distance, for "did you mean" on misspelt keys (stoploss, maxPositionPCT, onbar). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The known key an unknown one was probably meant to be, if it is close enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.min(2, Math.floor(key.length / 4))) ? best : undefined;
}

/**
 * Unknown keys that look like a misspelling of a known one are problems (a typo in `stopLoss`
 * would otherwise silently run without a stop); other unknown keys are left alone.
 */
function checkTypos(obj: Record<string, unknown>, known: readonly string[], at: string[], out: StrategyProblem[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const meant = closestKey(key, known);
    if (meant !== undefined) {
      out.push({
        path: [...at, key],
        message: `unknown property '${[...at, key].join('.')}'`,
        hint: `did you mean '${meant}'? rename it, or it is ignored`,
      });
    }
  }
}

function checkParams(params: unknown, out: StrategyProblem[]): void {
  if (!isPlainObject(params)) {
    out.push({
      path: ['params'],
      message: `params must be an object of named numbers, got ${describe(params)}`,
      hint: 'write params: { oversold: { value: 30, min: 10, max: 45 }, period: 14 }',
    });
    return;
  }
  for (const [name, p] of Object.entries(params)) {
    const at = ['params', name];
    if (typeof p === 'number') {
      if (!Number.isFinite(p)) {
        out.push({ path: at, message: `param '${name}' is ${p}`, hint: `give '${name}' a finite number` });
      }
      continue;
    }
    if (!isPlainObject(p)) {
      out.push({
        path: at,
        message: `param '${name}' must be a number or { value, min, max }, got ${describe(p)}`,
        hint: `write ${name}: { value: …, min: …, max: … }`,
      });
      continue;
    }
    checkTypos(p, PARAM_SPEC_KEYS, at, out);
    if (!isFiniteNumber(p.value)) {
      out.push({
        path: p.value === undefined ? at : [...at, 'value'],
        message: `param '${name}' has no numeric value${p.value === undefined ? '' : ` (got ${describe(p.value)})`}`,
        hint: `write ${name}: { value: <default>, min: …, max: … }`,
      });
      continue;
    }
    for (const bound of ['min', 'max', 'step'] as const) {
      if (p[bound] !== undefined && !isFiniteNumber(p[bound])) {
        out.push({
          path: [...at, bound],
          message: `param '${name}'.${bound} must be a number, got ${describe(p[bound])}`,
          hint: `set ${bound} to a number or remove it`,
        });
      }
    }
    const min = isFiniteNumber(p.min) ? p.min : undefined;
    const max = isFiniteNumber(p.max) ? p.max : undefined;
    if (min !== undefined && max !== undefined && min > max) {
      out.push({
        path: [...at, 'min'],
        message: `param '${name}' has min ${min} above max ${max}`,
        hint: 'swap min and max',
      });
    } else if ((min !== undefined && p.value < min) || (max !== undefined && p.value > max)) {
      out.push({
        path: [...at, 'value'],
        message: `param '${name}' value ${p.value} is outside its own range [${min ?? '−∞'}, ${max ?? '+∞'}]`,
        hint: 'move the value inside min/max, or widen the range',
      });
    }
    if (isFiniteNumber(p.step) && p.step <= 0) {
      out.push({ path: [...at, 'step'], message: `param '${name}'.step must be positive, got ${p.step}`, hint: 'use a step above 0' });
    }
    if (p.description !== undefined && typeof p.description !== 'string') {
      out.push({ path: [...at, 'description'], message: `param '${name}'.description must be text`, hint: 'write the description as a string' });
    }
  }
}

function checkStopLoss(stop: unknown, out: StrategyProblem[]): void {
  const at = ['risk', 'stopLoss'];
  if (typeof stop === 'number') {
    if (!(stop > 0 && stop < 1)) {
      out.push({
        path: at,
        message: `risk.stopLoss must be a fraction of the entry price between 0 and 1, got ${stop}`,
        hint: stop >= 1 ? `for a ${stop}% stop write ${stop / 100}` : 'write e.g. stopLoss: 0.03 for a 3% stop',
      });
    }
    return;
  }
  if (isPlainObject(stop) && stop.kind === 'volatility') {
    checkTypos(stop, VOLATILITY_STOP_KEYS, at, out);
    if (stop.atrMultiple !== undefined && !(isFiniteNumber(stop.atrMultiple) && stop.atrMultiple > 0)) {
      out.push({
        path: [...at, 'atrMultiple'],
        message: `risk.stopLoss.atrMultiple must be a positive number, got ${describe(stop.atrMultiple)}`,
        hint: 'use e.g. atrMultiple: 2 (stop two ATRs from entry)',
      });
    }
    if (stop.period !== undefined && !(Number.isInteger(stop.period) && (stop.period as number) >= 1)) {
      out.push({
        path: [...at, 'period'],
        message: `risk.stopLoss.period must be a whole number of bars ≥ 1, got ${describe(stop.period)}`,
        hint: 'use e.g. period: 14',
      });
    }
    return;
  }
  out.push({
    path: at,
    message: `risk.stopLoss must be a fraction (0.03 = 3%) or { kind: 'volatility' }, got ${describe(stop)}`,
    hint: "write stopLoss: 0.03, or stopLoss: { kind: 'volatility', atrMultiple: 2 }",
  });
}

function checkRisk(risk: unknown, out: StrategyProblem[]): void {
  if (!isPlainObject(risk)) {
    out.push({
      path: ['risk'],
      message: `risk must be an object, got ${describe(risk)}`,
      hint: 'write risk: { stopLoss: 0.03, takeProfit: 0.06, maxPositionPct: 0.1 }',
    });
    return;
  }
  checkTypos(risk, RISK_KEYS, ['risk'], out);
  // Unlike elsewhere, any other risk key is refused: a trader who writes `trailingStop` must not
  // believe it protects them when nothing applies it. (Extend RISK_KEYS when RiskSpec grows.)
  for (const key of Object.keys(risk)) {
    if (RISK_KEYS.includes(key) || closestKey(key, RISK_KEYS) !== undefined) continue;
    out.push({
      path: ['risk', key],
      message: `risk.${key} is not a risk setting Volt applies`,
      hint: `the risk settings are ${RISK_KEYS.join(', ')}; remove '${key}' or express it in onBar`,
    });
  }
  if (risk.stopLoss !== undefined) checkStopLoss(risk.stopLoss, out);
  if (risk.takeProfit !== undefined && !(isFiniteNumber(risk.takeProfit) && risk.takeProfit > 0)) {
    out.push({
      path: ['risk', 'takeProfit'],
      message: `risk.takeProfit must be a positive fraction of the entry price, got ${describe(risk.takeProfit)}`,
      hint: 'write e.g. takeProfit: 0.06 for a 6% target',
    });
  }
  if (risk.maxPositionPct !== undefined) {
    const m = risk.maxPositionPct;
    if (!(isFiniteNumber(m) && m > 0 && m <= 1)) {
      out.push({
        path: ['risk', 'maxPositionPct'],
        message: `risk.maxPositionPct must be a fraction of equity in (0, 1], got ${describe(m)}`,
        hint: isFiniteNumber(m) && m > 1 ? `for ${m}% of equity write ${m / 100}` : 'write e.g. maxPositionPct: 0.1 for 10% of equity',
      });
    }
  }
}

/**
 * Everything wrong with a module's default export as a strategy, in source order of the checks.
 * Empty means `value` can be used as a StrategyDefinition.
 */
export function strategyProblems(value: unknown): StrategyProblem[] {
  const out: StrategyProblem[] = [];
  if (value === undefined) {
    return [{ path: [], message: 'the file has no default export', hint: `end it with ${SHAPE_HINT}` }];
  }
  if (!isPlainObject(value)) {
    return [{ path: [], message: `the default export must be a strategy object, got ${describe(value)}`, hint: SHAPE_HINT }];
  }
  checkTypos(value, TOP_LEVEL_KEYS, [], out);

  if (value.name === undefined) {
    out.push({ path: [], message: 'the strategy has no name', hint: "add name: 'what it does', shown in reports and the journal" });
  } else if (typeof value.name !== 'string' || value.name.trim() === '') {
    out.push({ path: ['name'], message: `name must be non-empty text, got ${describe(value.name)}`, hint: "write name: 'RSI mean reversion'" });
  }

  if (value.onBar === undefined) {
    out.push({ path: [], message: 'the strategy has no onBar', hint: 'add onBar(ctx) { … }: it runs at each bar’s close and calls ctx.buy/sell/exit' });
  } else if (typeof value.onBar !== 'function') {
    out.push({ path: ['onBar'], message: `onBar must be a function, got ${describe(value.onBar)}`, hint: 'write onBar(ctx) { … }' });
  }

  if (value.timeframe !== undefined) {
    let ok = typeof value.timeframe === 'string';
    if (ok) {
      try {
        timeframeToMs(value.timeframe as string);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      out.push({
        path: ['timeframe'],
        message: `timeframe ${describe(value.timeframe)} is not a timeframe`,
        hint: "use a number and a unit: '1m', '5m', '15m', '1h', '4h', '1d', '1w'",
      });
    }
  }

  if (value.symbols !== undefined) {
    const s = value.symbols;
    if (!Array.isArray(s) || s.some((x) => typeof x !== 'string' || x === '')) {
      out.push({ path: ['symbols'], message: 'symbols must be a list of market names', hint: "write symbols: ['BTC/USDT']" });
    }
  }

  if (value.params !== undefined) checkParams(value.params, out);

  if (value.indicators !== undefined && typeof value.indicators !== 'function') {
    out.push({
      path: ['indicators'],
      message: `indicators must be a function, got ${describe(value.indicators)}`,
      hint: 'write indicators: (ind, p) => ({ rsi: ind.rsi(p.period) })',
    });
  }

  if (value.risk !== undefined) checkRisk(value.risk, out);

  if (value.pyramiding !== undefined && typeof value.pyramiding !== 'boolean') {
    out.push({ path: ['pyramiding'], message: `pyramiding must be true or false, got ${describe(value.pyramiding)}`, hint: 'write pyramiding: true to allow adding to a position' });
  }
  return out;
}

function readSource(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Each problem as a VoltError placed on the line of the offending property. */
export function strategyProblemErrors(value: unknown, file?: string, source?: string): VoltError[] {
  const problems = strategyProblems(value);
  if (problems.length === 0) return [];
  const text = source ?? readSource(file);
  return problems.map((p) => {
    const at = text === undefined ? undefined : locateProperty(text, p.path);
    return new VoltError({ kind: 'strategy', message: p.message, hint: p.hint, file, line: at?.line, column: at?.column });
  });
}

/**
 * Checks that `value` (a module's default export) is a usable strategy and returns it typed.
 * Throws the first problem as a VoltError of kind 'strategy' with file, line:col of the property
 * (found by scanning `source`, read from `file` when not given) and a hint.
 */
export function validateStrategy(value: unknown, file?: string, source?: string): StrategyDefinition {
  const [first] = strategyProblemErrors(value, file, source);
  if (first) throw first;
  return value as StrategyDefinition;
}
