/**
 * The parameter space of a sweep, read from the strategy's own `params`: a param with both `min`
 * and `max` is searched, every other keeps its default. Integers stay integers and `step` is
 * honoured: every value a search proposes is one the strategy could have declared.
 */
import { VoltError } from '../errors.js';
import { isParamSpec, type ParamsDef } from '../strategy/index.js';

export interface ParamDimension {
  name: string;
  min: number;
  max: number;
  /** The grid of allowed values is min, min + step, … ≤ max; undefined for a continuous param. */
  step?: number;
  integer: boolean;
}

export interface ParamSpace {
  dimensions: ParamDimension[];
  /** Params that are not searched (no min/max), at their defaults. */
  fixed: Record<string, number>;
}

export type ParamSet = Record<string, number>;

export function paramSpace(params: ParamsDef | undefined, file?: string): ParamSpace {
  const dimensions: ParamDimension[] = [];
  const fixed: Record<string, number> = {};
  for (const [name, p] of Object.entries(params ?? {})) {
    if (!isParamSpec(p) || p.min === undefined || p.max === undefined) {
      fixed[name] = isParamSpec(p) ? p.value : p;
      continue;
    }
    const { min, max, step } = p;
    const where = { kind: 'strategy' as const, ...(file !== undefined ? { file } : {}) };
    if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) {
      throw new VoltError({ ...where, message: `param '${name}' has min ${min} and max ${max}: a sweep needs min < max`, hint: `give '${name}' a range such as { value: ${p.value}, min: ${p.value / 2}, max: ${p.value * 2} }` });
    }
    if (step !== undefined && !(Number.isFinite(step) && step > 0)) {
      throw new VoltError({ ...where, message: `param '${name}' has step ${step}: a step must be a positive number`, hint: `remove step, or set it to a positive number such as ${(max - min) / 10}` });
    }
    // A param declared in whole numbers (value, min, max and step) is a count: a period, a lookback.
    const integer = [p.value, min, max, step ?? 1].every(Number.isInteger);
    dimensions.push({ name, min, max, integer, ...(step !== undefined ? { step } : integer ? { step: 1 } : {}) });
  }
  return { dimensions, fixed };
}

/** How many values a dimension can take (Infinity for a continuous one). */
export function valueCount(d: ParamDimension): number {
  return d.step === undefined ? Infinity : Math.floor((d.max - d.min) / d.step + 1e-9) + 1;
}

/** The allowed value nearest to `x` (clamped to the range, on the step grid, rounded for printing). */
export function snap(d: ParamDimension, x: number): number {
  const clamped = Math.min(d.max, Math.max(d.min, x));
  if (d.step === undefined) return d.integer ? Math.round(clamped) : clamped;
  const index = Math.min(valueCount(d) - 1, Math.round((clamped - d.min) / d.step));
  return valueAt(d, index);
}

function valueAt(d: ParamDimension, index: number): number {
  const v = d.min + index * d.step!;
  // 0.2 + 3 × 0.1 is 0.5000000000000001 in doubles; keep the digits the strategy declared.
  const digits = Math.max(decimals(d.min), decimals(d.step!));
  return d.integer ? Math.round(v) : Number(v.toFixed(digits));
}

function decimals(x: number): number {
  const text = String(x);
  const e = text.indexOf('e-');
  if (e >= 0) return Number(text.slice(e + 2)) + Math.max(0, text.slice(0, e).split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

/** `k` values of a dimension evenly spread over its range, both ends included (all of them when it has fewer). */
export function levels(d: ParamDimension, k: number): number[] {
  const count = valueCount(d);
  if (count <= k) return Array.from({ length: count }, (_, i) => valueAt(d, i));
  if (k <= 1) return [snap(d, (d.min + d.max) / 2)];
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const v = count === Infinity ? d.min + ((d.max - d.min) * i) / (k - 1) : valueAt(d, Math.round(((count - 1) * i) / (k - 1)));
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/** Position of a value in its range, 0…1: the model-based search works in this unit cube. */
export function toUnit(d: ParamDimension, x: number): number {
  return (x - d.min) / (d.max - d.min);
}

export function fromUnit(d: ParamDimension, u: number): number {
  return snap(d, d.min + u * (d.max - d.min));
}

/** Same params, same key: used to find a trial already run with exactly these values. */
export function paramKey(params: ParamSet): string {
  return Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join(',');
}
