/**
 * The agents' volatility inputs read from their files, as every face reads them (`volt backtest`,
 * the sidecar): the VIX, its term structure (VIX9D/VIX3M/VIX6M), an implied-volatility index (a
 * file, or an exchange spec such as Deribit's DVOL) and the event calendar. One place, so the editor
 * and the command line give the agents the same inputs from the same volt.config.json.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { VoltError } from '../errors.js';
import { loadEventCalendar, resolveDataSpec, type EventCalendar } from '../data/index.js';
import { loadVixSeries, loadVixTermStructure, VixSeries, type VixTermStructure } from './context.js';

export const VOLATILITY_KEYS = ['vix', 'vix9d', 'vix3m', 'vix6m', 'impliedVol', 'events'] as const;
export type VolatilityKey = (typeof VOLATILITY_KEYS)[number];

/** A file (or, for impliedVol, an exchange spec) per input, and where the setting came from. */
export type VolatilitySources = Partial<Record<VolatilityKey, { spec: string; from: 'flag' | 'config' }>>;

export interface LoadedVolatility {
  vix?: VixSeries;
  term?: VixTermStructure;
  impliedVol?: VixSeries;
  events?: EventCalendar;
}

const FLAG: Record<VolatilityKey, string> = { vix: '--vix', vix9d: '--vix9d', vix3m: '--vix3m', vix6m: '--vix6m', impliedVol: '--implied-vol', events: '--events' };
const WHAT: Record<VolatilityKey, string> = {
  vix: "CBOE's daily VIX history (VIX_History.csv)",
  vix9d: "CBOE's daily VIX9D history (VIX9D_History.csv)",
  vix3m: "CBOE's daily VIX3M history (VIX3M_History.csv)",
  vix6m: "CBOE's daily VIX6M history (VIX6M_History.csv)",
  impliedVol: 'an implied-volatility index in vol points (DATE,OPEN,HIGH,LOW,CLOSE)',
  events: 'a calendar of events (date,symbol,event[,expected_move])',
};

/** Flags over agents.* of volt.config.json: flags relative to `cwd`, config paths as the config loader made them (absolute). */
export function volatilitySources(
  config: Partial<Record<VolatilityKey, string>>,
  flags: Partial<Record<VolatilityKey, string | undefined>>,
  cwd: string,
): VolatilitySources {
  const out: VolatilitySources = {};
  for (const key of VOLATILITY_KEYS) {
    const flag = flags[key];
    const configured = config[key];
    if (flag !== undefined) out[key] = { spec: isExchangeSpec(flag) ? flag : path.resolve(cwd, flag), from: 'flag' };
    else if (configured !== undefined) out[key] = { spec: isExchangeSpec(configured) ? configured : path.resolve(cwd, configured), from: 'config' };
  }
  return out;
}

/**
 * Reads what `sources` names. A file a flag names must exist (a `data` error naming the flag). A
 * file volt.config.json names that does not exist yet — the `volt init` template names CBOE's
 * files under data/ before they are downloaded — is left out with a notice, and the agents fall
 * back as they do without it (the regime from realized volatility, no term structure).
 */
export async function loadVolatilityInputs(
  sources: VolatilitySources,
  options: { cwd: string; lenient?: boolean; onNotice?: (message: string) => void; onSkipped?: (why: string) => void },
): Promise<LoadedVolatility> {
  const present: Partial<Record<VolatilityKey, string>> = {};
  for (const key of VOLATILITY_KEYS) {
    const source = sources[key];
    if (source === undefined) continue;
    if (isExchangeSpec(source.spec) || existsSync(source.spec)) {
      present[key] = source.spec;
      continue;
    }
    const shown = path.relative(options.cwd, source.spec) || source.spec;
    if (source.from === 'flag') {
      throw new VoltError({ kind: 'data', message: `${FLAG[key]} ${shown}: no such file`, file: source.spec, hint: `give the path of ${WHAT[key]}` });
    }
    options.onNotice?.(`agents.${key} of volt.config.json names ${shown}, which does not exist yet: left out (put ${WHAT[key]} there, or remove agents.${key})`);
  }
  const out: LoadedVolatility = {};
  if (present.vix !== undefined) out.vix = await loadVixSeries(present.vix);
  const members = { vix9d: present.vix9d, vix3m: present.vix3m, vix6m: present.vix6m };
  if (Object.values(members).some((m) => m !== undefined)) {
    const files: { vix?: string; vix9d?: string; vix3m?: string; vix6m?: string } = {};
    if (present.vix !== undefined) files.vix = present.vix;
    for (const [k, v] of Object.entries(members)) if (v !== undefined) files[k as keyof typeof members] = v;
    out.term = await loadVixTermStructure(files);
  }
  const iv = present.impliedVol;
  if (iv !== undefined) {
    // An exchange spec (e.g. exchange:deribit:DVOL/BTC:1d:…): fetched once, then read from .volt/cache/.
    out.impliedVol = isExchangeSpec(iv) ? VixSeries.fromCandles(await resolveDataSpec(iv, { cwd: options.cwd })) : await loadVixSeries(iv);
  }
  if (present.events !== undefined) {
    out.events = await loadEventCalendar(present.events, {
      ...(options.lenient ? { lenient: true } : {}),
      ...(options.onSkipped ? { onSkipped: options.onSkipped } : {}),
    });
  }
  return out;
}

function isExchangeSpec(spec: string): boolean {
  return /^exchange:/i.test(spec);
}
