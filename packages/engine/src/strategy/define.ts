import { VoltError } from '../errors.js';
import type { BarIndicator } from '../indicators/types.js';
import type { ParamSpec, ParamsDef, ResolvedParams, StrategyDefinition } from './types.js';

/**
 * Declares a strategy. At run time it returns `def` unchanged; its job is typing: `params` and the
 * object `indicators` returns flow into `onBar`, so `ctx.params.oversold` and `ctx.ind.rsi.value`
 * are checked, and a misspelt param or indicator is a compile error in the editor.
 *
 * ```ts
 * export default defineStrategy({
 *   name: 'RSI dip buyer',
 *   params: { oversold: { value: 30, min: 10, max: 45 } },
 *   indicators: (ind) => ({ rsi: ind.rsi(14) }),
 *   onBar(ctx) { if (ctx.ind.rsi.value < ctx.params.oversold) ctx.buy({ confidence: 0.6, reason: 'oversold' }); },
 *   risk: { stopLoss: 0.03, maxPositionPct: 0.1 },
 * });
 * ```
 */
// `{}` as the default for P: a strategy without params gets no params, so `ctx.params.x` is an error.
export function defineStrategy<P extends ParamsDef = {}, I = Record<string, BarIndicator>>(
  def: StrategyDefinition<P, I>,
): StrategyDefinition<P, I> {
  return def;
}

export function isParamSpec(p: number | ParamSpec): p is ParamSpec {
  return typeof p === 'object' && p !== null;
}

/** A param's default: the number itself, or its spec's `value`. */
export function paramValue(p: number | ParamSpec): number {
  return isParamSpec(p) ? p.value : p;
}

/**
 * Every param as the number the strategy will see: its default, or the override given by name
 * (from `--param`, a sweep or the editor). An override for a param that does not exist, or outside
 * the param's declared min/max, is refused naming the param, so a sweep cannot silently test
 * something the author ruled out.
 */
export function resolveParams<P extends ParamsDef>(
  def: Pick<StrategyDefinition<P, unknown>, 'params' | 'name'>,
  overrides: Readonly<Record<string, number>> = {},
  file?: string,
): ResolvedParams<P> {
  const declared: ParamsDef = def.params ?? {};
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(declared)) out[name] = paramValue(p);

  for (const [name, value] of Object.entries(overrides)) {
    const spec = declared[name];
    if (spec === undefined) {
      const known = Object.keys(declared);
      throw new VoltError({
        kind: 'usage',
        message: `strategy '${def.name}' has no param '${name}'`,
        file,
        hint: known.length > 0 ? `its params are: ${known.join(', ')}` : 'this strategy declares no params',
      });
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new VoltError({
        kind: 'usage',
        message: `param '${name}' must be a finite number, got ${String(value)}`,
        file,
        hint: `give '${name}' a number such as ${paramValue(spec)}`,
      });
    }
    if (isParamSpec(spec)) {
      const { min, max } = spec;
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
        throw new VoltError({
          kind: 'usage',
          message: `param '${name}' = ${value} is outside its range ${describeRange(spec)}`,
          file,
          hint: `pick a value in ${describeRange(spec)}, or widen min/max in the strategy's params if the range is wrong`,
        });
      }
    }
    out[name] = value;
  }
  return out as ResolvedParams<P>;
}

export function describeRange(spec: ParamSpec): string {
  const lo = spec.min ?? '−∞';
  const hi = spec.max ?? '+∞';
  return `[${lo}, ${hi}]`;
}
