import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VoltError } from '../errors.js';
// Module files, not their packages' indexes: `volt backtest` loads this on every run (README: start-up).
import { maskHostCredentials, parseOllamaHost } from '../llm/host.js';
import { closestKey } from '../strategy/validate.js';
import { positionAt } from '../strategy/source-location.js';
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
  risk: { maxPositionPct: 0.1, maxDrawdown: 0.25, maxDailyLoss: 0.03, maxConsecutiveLosses: 5, maxBidAskPct: 0.1, maxPinning: 0.5, maxVolatilityCrush: 0.3, maxEarlyAssignment: 0.5, minDealerGamma: -1 },
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
/** A check of its own for a text setting: what is wrong and what to do, or undefined. */
type TextCheck = (v: string) => { problem: string; fix: string } | undefined;
type Leaf =
  | { type: 'number'; min: number; max: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean; example: string }
  | { type: 'string'; oneOf?: readonly string[]; pattern?: RegExp; patternName?: string; check?: TextCheck; example: string }
  | { type: 'boolean' };
type SchemaNode = Leaf | { type: 'object'; fields: Record<string, SchemaNode>; extra?: Leaf; optional?: readonly string[] };

/** ollama.host: a URL with its scheme that Ollama's client can use; never echoes credentials. */
const ollamaHostCheck: TextCheck = (v) => {
  const masked = maskHostCredentials(v.trim());
  if (!/^\s*https?:\/\//i.test(v)) return { problem: `must start with http:// or https://, got ${JSON.stringify(masked)}`, fix: 'write e.g. "host": "http://127.0.0.1:11434"' };
  const parsed = parseOllamaHost(v);
  return 'url' in parsed ? undefined : { problem: `${parsed.problem} (${JSON.stringify(masked)})`, fix: parsed.fix };
};

const fraction = (example: string, minOpen = true): Leaf => ({ type: 'number', min: 0, max: 1, minOpen, example });
const positiveInt = (example: string, max = 1e9): Leaf => ({ type: 'number', min: 1, max, integer: true, example });
const text = (example: string): Leaf => ({ type: 'string', example });
const flag: Leaf = { type: 'boolean' };

const SCHEMA: SchemaNode = {
  type: 'object',
  optional: ['vault', 'bus', 'portfolio', 'weeklyReport'],
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
      optional: ['optionsChain'],
      fields: {
        capital: { type: 'number', min: 0, max: Number.MAX_SAFE_INTEGER, minOpen: true, example: '10000' },
        feeRate: { type: 'number', min: 0, max: 0.1, maxOpen: true, example: '0.001 (0.1% per fill)' },
        slippage: { type: 'number', min: 0, max: 0.1, maxOpen: true, example: '0.0005 (5 bps)' },
        timeoutMs: positiveInt('10000'),
        maxMemoryMb: { type: 'number', min: 16, max: 65_536, integer: true, example: '256' },
        workers: positiveInt('1', 64),
        optionsChain: text('"data/btc-chain.csv" or "deribit:BTC"'),
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
        minDealerGamma: { type: 'number', min: -1, max: 1, example: '0 (no short-gamma entries while dealers are net short gamma); -1 never refuses' },
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
      optional: ['vix', 'vix9d', 'vix3m', 'vix6m', 'impliedVol', 'events', 'signals', 'blend', 'trackRecord', 'llm'],
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
        signals: text('"signals" (a folder of <source>.json fixtures)'),
        blend: { type: 'object', fields: { technical: fraction('0.6', false), outside: fraction('0.4', false) } },
        trackRecord: {
          type: 'object',
          fields: {
            min: { type: 'number', min: 0, max: 1, example: '0.5' },
            max: { type: 'number', min: 1, max: 10, example: '1.5' },
            carry: flag,
          },
        },
        // The LLM seats' hindsight guard: masked prompts and a token budget per run.
        llm: {
          type: 'object',
          optional: ['mask', 'tokenBudget'],
          fields: { mask: flag, tokenBudget: positiveInt('200000 (tokens per run)', 1e12) },
        },
      },
    },
    ollama: {
      type: 'object',
      optional: ['host', 'cutoffs'],
      fields: {
        host: { type: 'string', check: ollamaHostCheck, example: '"http://127.0.0.1:11434"' },
        cutoffs: { type: 'object', fields: {}, extra: { type: 'string', pattern: /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/, patternName: 'a month as "YYYY-MM" (or a day, "YYYY-MM-DD")', example: '"2023-12"' } },
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
    bus: { type: 'object', fields: { redis: text('"redis://127.0.0.1:6379"') } },
    // The weekly report (`volt report weekly`, and written by paper/live sessions as weeks pass).
    weeklyReport: {
      type: 'object',
      optional: ['webhook', 'everyHours'],
      fields: {
        webhook: { type: 'string', pattern: /^https?:\/\/\S+$/i, patternName: 'an http:// or https:// URL', example: '"https://hooks.example.com/volt"' },
        everyHours: { type: 'number', min: 0, max: 8784, minOpen: true, example: '24 (hours of the exchange clock)' },
      },
    },
    onSave: { type: 'object', fields: { backtest: flag, critique: flag } },
    // Portfolio backtests' limits (engine/portfolio); --max-gross and the other flags win over them.
    portfolio: {
      type: 'object',
      optional: ['maxGross', 'maxNet', 'maxPositions', 'maxCorrelation', 'correlationLookback'],
      fields: {
        maxGross: { type: 'number', min: 0, max: 100, minOpen: true, example: '1.5 (150% of equity)' },
        maxNet: { type: 'number', min: 0, max: 100, example: '1 (100% of equity)' },
        maxPositions: positiveInt('5', 100_000),
        maxCorrelation: { type: 'number', min: -1, max: 1, example: '0.8' },
        correlationLookback: { type: 'number', min: 3, max: 1e6, integer: true, example: '50 (bars)' },
      },
    },
  },
};

/** Where settings came from, so errors can point into the file. */
export interface ConfigSource {
  /** The file (volt.config.json), or a label such as 'editor settings'. */
  file?: string;
  /** The file's text, to find the line of each setting. */
  text?: string;
  offsets?: Map<string, number>;
  /** Settings an editor sent: messages name `the ${settingPrefix}risk.maxDrawdown setting`. */
  settingPrefix?: string;
}

/** Something wrong in the settings: an error (the value is not used) or a warning (ignored key). */
export interface ConfigProblem {
  severity: 'error' | 'warning';
  /** The setting, dotted ('agents.vixFile'); '' for the file as a whole. */
  key: string;
  message: string;
  /** What to do, in one sentence. */
  hint: string;
  file?: string;
  /** 1-based, when the text is known. */
  line?: number;
  column?: number;
  /** Where in the text the key (or the syntax error) is, and how many characters to mark. */
  offset?: number;
  length?: number;
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

function leafProblem(rule: Leaf, v: unknown): string | { problem: string; fix: string } | undefined {
  switch (rule.type) {
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `must be true or false, got ${describe(v)}`;
    case 'string':
      if (typeof v !== 'string') return `must be text, got ${describe(v)}`;
      if (v.trim() === '') return 'must not be empty';
      if (rule.oneOf && !rule.oneOf.includes(v)) return `must be one of ${rule.oneOf.map((s) => `"${s}"`).join(', ')}, got ${describe(v)}`;
      if (rule.pattern && !rule.pattern.test(v)) return `must be ${rule.patternName ?? 'valid'}, got ${describe(v)}`;
      return rule.check?.(v);
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

/** A known key the unknown one probably meant: a near-miss spelling, or one inside the other (vixFile → vix). */
function suggestion(key: string, known: readonly string[]): string | undefined {
  const near = closestKey(key, known);
  if (near !== undefined) return near;
  const k = key.toLowerCase();
  return known.find((name) => {
    const n = name.toLowerCase();
    return Math.min(n.length, k.length) >= 3 && (k.includes(n) || n.includes(k));
  });
}

class ProblemList {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly source: ConfigSource) {}

  label(at: string): string {
    if (at === '') return 'the settings';
    return this.source.settingPrefix !== undefined ? `the ${this.source.settingPrefix}${at} setting` : `'${at}'`;
  }

  add(severity: ConfigProblem['severity'], at: string, message: string, hint: string): void {
    const p: ConfigProblem = { severity, key: at, message, hint };
    if (this.source.file !== undefined) p.file = this.source.file;
    const offset = this.source.offsets?.get(at);
    if (offset !== undefined && this.source.text !== undefined) {
      const { line, column } = positionAt(this.source.text, offset);
      p.line = line;
      p.column = column;
      p.offset = offset;
      // The key in its quotes; the root's "offset" is the start of the file.
      p.length = at === '' ? 1 : JSON.stringify(at.split('.').pop()).length;
    }
    this.problems.push(p);
  }
}

function mergeNode(base: unknown, input: unknown, node: SchemaNode, at: string, out: ProblemList): unknown {
  const label = out.label(at);
  const name = at.split('.').pop() ?? at;
  if (node.type !== 'object') {
    const problem = leafProblem(node, input);
    if (problem === undefined) return input;
    if (typeof problem === 'object') out.add('error', at, `${label} ${problem.problem}`, problem.fix);
    else out.add('error', at, `${label} ${problem}`, `write e.g. "${name}": ${node.type === 'boolean' ? 'true or false' : node.example}`);
    return base; // the value is not used: what was there before stays
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    out.add('error', at, `${label} must be an object, got ${describe(input)}`, `write "${name}": { … }`);
    return base;
  }
  // `base` is already a private copy (mergeConfig clones it once), so it is filled in place.
  const merged: Record<string, unknown> = typeof base === 'object' && base !== null ? (base as Record<string, unknown>) : {};
  const known = Object.keys(node.fields);
  const full = (key: string): string => (at === '' ? key : `${at}.${key}`);
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const child = full(key);
    const rule = node.fields[key] ?? node.extra;
    if (rule !== undefined) {
      merged[key] = mergeNode(merged[key], value, rule, child, out);
      continue;
    }
    const typo = closestKey(key, known);
    if (typo !== undefined) {
      // One or two letters off a real setting: refused, as a wrong value is (a misspelt stop or
      // drawdown limit would otherwise run with the default in silence).
      out.add('error', child, `unknown setting ${out.label(child)}`, `did you mean '${full(typo)}'? as written it is ignored`);
      continue;
    }
    // Kept as is (another tool's key, or a newer Volt's), but said: it does nothing here. `$schema`
    // and other `$` keys are JSON tooling's, never Volt's.
    merged[key] = value;
    if (key.startsWith('$')) continue;
    const meant = suggestion(key, known);
    const kind = at === '' ? 'section' : 'setting';
    out.add(
      'warning',
      child,
      `unknown ${kind} ${out.label(child)}, ignored`,
      meant !== undefined ? `did you mean '${full(meant)}'?` : `${at === '' ? "Volt's sections" : `the settings of '${at}'`}: ${known.join(', ')}`,
    );
  }
  // An optional section given without its required fields (e.g. "vault": {}) is incomplete.
  let complete = true;
  for (const key of known) {
    if (merged[key] === undefined && !(node.optional ?? []).includes(key)) {
      out.add('error', at, `${label} is missing '${full(key)}'`, `add "${key}" to ${label}`);
      complete = false;
    }
  }
  return complete ? merged : base;
}

function toVoltError(p: ConfigProblem, cause?: unknown): VoltError {
  return new VoltError({ kind: 'config', message: p.message, file: p.file, line: p.line, column: p.column, hint: p.hint, cause });
}

/**
 * Settings `input` merged over `base`, with every problem found: a wrong type or out-of-range
 * value is an error and keeps what `base` had; an unknown key is a warning (an error when it is a
 * near-miss spelling of a known one).
 */
export function checkConfig(base: Readonly<VoltConfig>, input: unknown, source: ConfigSource = {}): { config: VoltConfig; problems: ConfigProblem[] } {
  const out = new ProblemList(source);
  const config = mergeNode(structuredClone(base), input ?? {}, SCHEMA, '', out) as VoltConfig;
  return { config, problems: out.problems };
}

/**
 * Settings `input` (parsed volt.config.json, or editor settings) merged over `base`, field by
 * field. A wrong type or out-of-range value throws a VoltError of kind 'config' naming the
 * setting, on its line when `source` has the text. Misspelt keys are refused; other unknown keys
 * are kept (warnings, which `onWarning` hears), so other tools can share the file.
 */
export function mergeConfig(base: Readonly<VoltConfig>, input: unknown, source: ConfigSource = {}, onWarning?: (p: ConfigProblem) => void): VoltConfig {
  const { config, problems } = checkConfig(base, input, source);
  const error = problems.find((p) => p.severity === 'error');
  if (error) throw toVoltError(error);
  if (onWarning) for (const p of problems) onWarning(p);
  return config;
}

/** A fresh, mutable copy of the defaults. */
export function defaultConfig(): VoltConfig {
  return structuredClone(DEFAULT_CONFIG) as VoltConfig;
}

/** Where a workspace's settings file would be, at its root. */
export function configPath(workspaceRoot: string): string {
  return path.join(path.resolve(workspaceRoot), CONFIG_FILE);
}

/**
 * The volt.config.json that governs `dir`: the nearest one in `dir` or a folder above it, as
 * tsconfig.json is found. Undefined when there is none up to the file system's root.
 */
export function findConfigFile(dir: string): string | undefined {
  let at = path.resolve(dir);
  for (;;) {
    const file = path.join(at, CONFIG_FILE);
    if (existsSync(file)) return file;
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}

/**
 * Paths in a config file are relative to the folder holding it, wherever Volt was started from:
 * they are made absolute as it is read (the defaults' too, so `.volt/journal.db` is the
 * workspace's journal from any subfolder). `data.default` and the specs of `data.symbols` are
 * paths only when they are not `synthetic:` or `exchange:` specs.
 */
export function resolveConfigPaths(config: VoltConfig, dir: string): VoltConfig {
  config.journal.path = path.resolve(dir, config.journal.path);
  if (config.vault) config.vault.path = path.resolve(dir, config.vault.path);
  // The agents' market series (VIX and its term structure, implied volatility, the events calendar) are files.
  for (const key of ['vix', 'vix9d', 'vix3m', 'vix6m', 'impliedVol', 'events', 'signals'] as const) {
    const file = config.agents[key];
    if (file !== undefined) config.agents[key] = path.resolve(dir, file);
  }
  const chain = config.backtest.optionsChain;
  if (chain !== undefined && !/^deribit:/i.test(chain)) config.backtest.optionsChain = path.resolve(dir, chain);
  const isPath = (spec: string): boolean => !/^(synthetic|exchange):/i.test(spec);
  if (isPath(config.data.default)) config.data.default = path.resolve(dir, config.data.default);
  const symbols = config.data.symbols;
  if (symbols) for (const [symbol, spec] of Object.entries(symbols)) if (isPath(spec)) symbols[symbol] = path.resolve(dir, spec);
  return config;
}

/** A volt.config.json read and checked, problems and all: what the sidecar shows on the file. */
export interface ConfigCheck {
  file: string;
  /** The file's settings over the defaults; values with errors keep their default. */
  config: VoltConfig;
  problems: ConfigProblem[];
}

/**
 * Checks the text of a volt.config.json (the file on disk, or an editor's unsaved buffer): every
 * problem with its line, and the settings that are usable. Never throws; invalid JSON is one
 * error at its position, with the defaults.
 */
export function checkConfigText(text: string, file: string): ConfigCheck {
  // Editors sometimes save a byte-order mark; JSON has no place for it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const shift = body === text ? 0 : 1;
  let parsed;
  try {
    parsed = parseLocatedJson(body);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const { line, column } = positionAt(body, e.offset);
    const problem: ConfigProblem = {
      severity: 'error',
      key: '',
      message: `invalid JSON: ${e.message}`,
      hint: `${CONFIG_FILE} is strict JSON: double-quoted names, no comments, no trailing commas`,
      file,
      line,
      column,
      offset: e.offset + shift,
      length: 1,
    };
    return { file, config: defaultConfig(), problems: [problem] };
  }
  const { config, problems } = checkConfig(DEFAULT_CONFIG, parsed.value, { file, text: body, offsets: parsed.offsets });
  if (shift) for (const p of problems) if (p.offset !== undefined) p.offset += shift;
  return { file, config: resolveConfigPaths(config, path.dirname(file)), problems };
}

/** Hears the warnings of every loadConfig of this process (the CLI prints them on stderr). */
let warningHandler: ((p: ConfigProblem) => void) | undefined;

/** Where loadConfig's warnings go; undefined (the default) drops them. */
export function setConfigWarningHandler(handler: ((p: ConfigProblem) => void) | undefined): void {
  warningHandler = handler;
}

/**
 * The settings for work in `dir`: the nearest volt.config.json at or above it (see
 * findConfigFile) merged over DEFAULT_CONFIG, its paths made absolute against its folder; the
 * defaults when there is none. Invalid JSON and wrong settings throw a VoltError with the file
 * and line; unknown keys go to the handler set by setConfigWarningHandler.
 */
export function loadConfig(dir: string): VoltConfig {
  const file = findConfigFile(dir);
  if (file === undefined) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VoltError({ kind: 'config', message: `cannot read ${CONFIG_FILE}: ${(e as Error).message}`, file, hint: 'check the file’s permissions', cause: e });
  }
  const checked = checkConfigText(text, file);
  const error = checked.problems.find((p) => p.severity === 'error');
  if (error) throw toVoltError(error);
  for (const p of checked.problems) warningHandler?.(p);
  return checked.config;
}
