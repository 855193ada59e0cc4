import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VoltError } from '../errors.js';
import { closestKey, positionAt } from '../strategy/index.js';
import { JsonSyntaxError, parseLocatedJson } from './located-json.js';
import type { VoltConfig } from './types.js';

export const CONFIG_FILE = 'volt.config.json';

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** What Volt uses when volt.config.json says nothing: safe, offline, reproducible. */
export const DEFAULT_CONFIG: Readonly<VoltConfig> = deepFreeze({
  data: { default: 'synthetic:42' },
  backtest: { capital: 10_000, feeRate: 0.001, slippage: 0.0005, timeoutMs: 10_000, maxMemoryMb: 256, workers: 1 },
  risk: { maxPositionPct: 0.1, maxDrawdown: 0.25, maxDailyLoss: 0.03, maxConsecutiveLosses: 5, maxBidAskPct: 0.1, maxPinning: 0.5, maxVolatilityCrush: 0.3, maxEarlyAssignment: 0.5 },
  lint: { maxPositionCap: 0.1, debounceMs: 150 },
  agents: {
    mode: 'off',
    weights: { volatility: 0.4, hedge: 0.35, trend: 0.25 },
    thresholds: { normal: 0.55, highVolatility: 0.7, crash: 0.8 },
  },
  ollama: {
    models: { critique: 'qwen2.5-coder:7b', risk: 'deepseek-r1:8b', market: 'llama3.3' },
    timeoutMs: 30_000,
  },
  journal: { path: '.volt/journal.db' },
  onSave: { backtest: true, critique: false },
});

// The schema: one rule per setting. Objects list their fields; `extra` admits more keys of one kind.
type Leaf =
  | { type: 'number'; min: number; max: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean; example: string }
  | { type: 'string'; oneOf?: readonly string[]; pattern?: RegExp; patternName?: string; example: string }
  | { type: 'boolean' };
type SchemaNode = Leaf | { type: 'object'; fields: Record<string, SchemaNode>; extra?: Leaf; optional?: readonly string[] };

const fraction = (example: string, minOpen = true): Leaf => ({ type: 'number', min: 0, max: 1, minOpen, example });
const positiveInt = (example: string, max = 1e9): Leaf => ({ type: 'number', min: 1, max, integer: true, example });
const text = (example: string): Leaf => ({ type: 'string', example });
const flag: Leaf = { type: 'boolean' };

const SCHEMA: SchemaNode = {
  type: 'object',
  optional: ['vault'],
  fields: {
    data: {
      type: 'object',
      optional: ['symbols'],
      fields: {
        default: text('"synthetic:42" or "data/BTC_USDT-1h.csv"'),
        // A market symbol → its data: a file (relative to the workspace) or an exchange spec.
        symbols: { type: 'object', fields: {}, extra: text('"data/ETH_BTC-5m.json" or "exchange:binance:ETH/BTC:5m:2024-01-01:2024-02-01"') },
      },
    },
    backtest: {
      type: 'object',
      fields: {
        capital: { type: 'number', min: 0, max: Number.MAX_SAFE_INTEGER, minOpen: true, example: '10000' },
        feeRate: { type: 'number', min: 0, max: 0.1, maxOpen: true, example: '0.001 (0.1% per fill)' },
        slippage: { type: 'number', min: 0, max: 0.1, maxOpen: true, example: '0.0005 (5 bps)' },
        timeoutMs: positiveInt('10000'),
        maxMemoryMb: { type: 'number', min: 16, max: 65_536, integer: true, example: '256' },
        workers: positiveInt('1', 64),
      },
    },
    risk: {
      type: 'object',
      fields: {
        maxPositionPct: fraction('0.10 (10% of equity)'),
        maxDrawdown: fraction('0.25 (25%)'),
        maxDailyLoss: fraction('0.03 (3% of equity)'),
        maxConsecutiveLosses: positiveInt('5', 1000),
        maxBidAskPct: fraction('0.10 (10% of the mid)'),
        maxPinning: fraction('0.5'),
        maxVolatilityCrush: fraction('0.3 (a 30% IV drop)'),
        maxEarlyAssignment: fraction('0.5'),
      },
    },
    lint: {
      type: 'object',
      fields: {
        maxPositionCap: fraction('0.10'),
        debounceMs: { type: 'number', min: 0, max: 60_000, integer: true, example: '150' },
      },
    },
    agents: {
      type: 'object',
      optional: ['vix', 'vix9d', 'vix3m', 'vix6m', 'impliedVol', 'events'],
      fields: {
        mode: { type: 'string', oneOf: ['off', 'rules', 'ollama'], example: '"rules"' },
        weights: {
          type: 'object',
          fields: { volatility: fraction('0.40', false), hedge: fraction('0.35', false), trend: fraction('0.25', false) },
          extra: fraction('0.2', false),
        },
        thresholds: {
          type: 'object',
          fields: { normal: fraction('0.55', false), highVolatility: fraction('0.70', false), crash: fraction('0.80', false) },
        },
        vix: text('"data/VIX-1d.csv"'),
        vix9d: text('"data/VIX9D-1d.csv"'),
        vix3m: text('"data/VIX3M-1d.csv"'),
        vix6m: text('"data/VIX6M-1d.csv"'),
        impliedVol: text('"data/IV30-1d.csv"'),
        events: text('"data/events.csv"'),
      },
    },
    ollama: {
      type: 'object',
      optional: ['host'],
      fields: {
        host: { type: 'string', pattern: /^https?:\/\/\S+$/, patternName: 'a URL starting with http:// or https://', example: '"http://127.0.0.1:11434"' },
        models: {
          type: 'object',
          fields: { critique: text('"qwen2.5-coder:7b"'), risk: text('"deepseek-r1:8b"'), market: text('"llama3.3"') },
          extra: text('"llama3.3"'),
        },
        timeoutMs: positiveInt('30000'),
      },
    },
    journal: { type: 'object', fields: { path: text('".volt/journal.db"') } },
    vault: { type: 'object', fields: { path: text('"vault"') } },
    onSave: { type: 'object', fields: { backtest: flag, critique: flag } },
  },
};

/** Where settings came from, so errors can point into the file. */
export interface ConfigSource {
  /** The file (volt.config.json), or a label such as 'editor settings'. */
  file?: string;
  /** The file's text, to find the line of each setting. */
  text?: string;
  offsets?: Map<string, number>;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function range(rule: Extract<Leaf, { type: 'number' }>): string {
  if (rule.max === Number.MAX_SAFE_INTEGER) return rule.minOpen ? `above ${rule.min}` : `at least ${rule.min}`;
  return `${rule.minOpen ? '(' : '['}${rule.min}, ${rule.max}${rule.maxOpen ? ')' : ']'}`;
}

function leafProblem(rule: Leaf, v: unknown): string | undefined {
  switch (rule.type) {
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `must be true or false, got ${describe(v)}`;
    case 'string':
      if (typeof v !== 'string') return `must be text, got ${describe(v)}`;
      if (v.trim() === '') return 'must not be empty';
      if (rule.oneOf && !rule.oneOf.includes(v)) return `must be one of ${rule.oneOf.map((s) => `"${s}"`).join(', ')}, got ${describe(v)}`;
      if (rule.pattern && !rule.pattern.test(v)) return `must be ${rule.patternName ?? 'valid'}, got ${describe(v)}`;
      return undefined;
    case 'number': {
      const expected = `${rule.integer ? 'a whole number' : 'a number'} ${rule.max === Number.MAX_SAFE_INTEGER ? '' : 'in '}${range(rule)}`;
      if (typeof v !== 'number' || !Number.isFinite(v)) return `must be ${expected}, got ${describe(v)}`;
      if (rule.integer && !Number.isInteger(v)) return `must be ${expected}, got ${v}`;
      const low = rule.minOpen ? v <= rule.min : v < rule.min;
      const high = rule.maxOpen ? v >= rule.max : v > rule.max;
      return low || high ? `must be ${expected}, got ${v}` : undefined;
    }
  }
}

function configError(source: ConfigSource, at: string, message: string, hint: string): VoltError {
  let line: number | undefined;
  let column: number | undefined;
  const offset = source.offsets?.get(at);
  if (offset !== undefined && source.text !== undefined) {
    ({ line, column } = positionAt(source.text, offset));
  }
  return new VoltError({ kind: 'config', message, file: source.file, line, column, hint });
}

function mergeNode(base: unknown, input: unknown, node: SchemaNode, at: string, source: ConfigSource): unknown {
  const label = at === '' ? 'the settings' : `'${at}'`;
  if (node.type !== 'object') {
    const problem = leafProblem(node, input);
    if (problem !== undefined) {
      const example = node.type === 'boolean' ? 'true or false' : node.example;
      throw configError(source, at, `${label} ${problem}`, `write e.g. "${at.split('.').pop()}": ${example}`);
    }
    return input;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw configError(source, at, `${label} must be an object, got ${describe(input)}`, `write "${at.split('.').pop() ?? at}": { … }`);
  }
  // `base` is already a private copy (mergeConfig clones it once), so it is filled in place.
  const out: Record<string, unknown> = typeof base === 'object' && base !== null ? (base as Record<string, unknown>) : {};
  const known = Object.keys(node.fields);
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const child = at === '' ? key : `${at}.${key}`;
    const rule = node.fields[key] ?? node.extra;
    if (rule === undefined) {
      const meant = closestKey(key, known);
      if (meant !== undefined) {
        throw configError(source, child, `unknown setting '${child}'`, `did you mean '${meant}'? as written it is ignored`);
      }
      // Not ours and not a typo: another tool's section, or a newer Volt's. Kept as is.
      out[key] = value;
      continue;
    }
    out[key] = mergeNode(out[key], value, rule, child, source);
  }
  // An optional section given without its required fields (e.g. "vault": {}) is incomplete.
  for (const key of known) {
    if (out[key] === undefined && !(node.optional ?? []).includes(key)) {
      const child = at === '' ? key : `${at}.${key}`;
      throw configError(source, at, `${label} is missing '${child}'`, `add "${key}" to ${label}`);
    }
  }
  return out;
}

/**
 * Settings `input` (parsed volt.config.json, or editor settings) merged over `base`, field by
 * field. A wrong type or out-of-range value throws a VoltError of kind 'config' naming the
 * setting, on its line when `source` has the text. Misspelt keys are refused; other unknown keys
 * are kept, so other tools can share the file.
 */
export function mergeConfig(base: Readonly<VoltConfig>, input: unknown, source: ConfigSource = {}): VoltConfig {
  return mergeNode(structuredClone(base), input ?? {}, SCHEMA, '', source) as VoltConfig;
}

/** A fresh, mutable copy of the defaults. */
export function defaultConfig(): VoltConfig {
  return structuredClone(DEFAULT_CONFIG) as VoltConfig;
}

/** Where a workspace's settings file is. */
export function configPath(workspaceRoot: string): string {
  return path.join(path.resolve(workspaceRoot), CONFIG_FILE);
}

/**
 * The workspace's settings: `volt.config.json` at `workspaceRoot` merged over DEFAULT_CONFIG, or
 * the defaults when there is no file. Invalid JSON and wrong settings throw a VoltError with the
 * file and line.
 */
export function loadConfig(workspaceRoot: string): VoltConfig {
  const file = configPath(workspaceRoot);
  if (!existsSync(file)) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VoltError({ kind: 'config', message: `cannot read ${CONFIG_FILE}: ${(e as Error).message}`, file, hint: 'check the file’s permissions', cause: e });
  }
  // Editors sometimes save a byte-order mark; JSON has no place for it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed;
  try {
    parsed = parseLocatedJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const { line, column } = positionAt(text, e.offset);
    throw new VoltError({
      kind: 'config',
      message: `invalid JSON: ${e.message}`,
      file,
      line,
      column,
      hint: `${CONFIG_FILE} is strict JSON: double-quoted names, no comments, no trailing commas`,
      cause: e,
    });
  }
  return mergeConfig(DEFAULT_CONFIG, parsed.value, { file, text, offsets: parsed.offsets });
}
