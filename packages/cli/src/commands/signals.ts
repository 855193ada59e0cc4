import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  Journal,
  SIGNAL_SOURCES,
  SignalCache,
  VoltError,
  baseAsset,
  fetchSignal,
  journalPathFor,
  loadConfig,
  loadRunSignals,
  resolveDataSpec,
  signalCoverage,
  signalSource,
} from '@volt/engine';
import { EXIT, UsageError, dateOption, parseCommandArgs } from '../usage.js';

export const summary = 'outside signals (fear & greed, DeFi TVL, volume, trending, gas, whale flow, sentiment): list, fetch into the journal, check alignment';

const USAGE = `usage: volt signals list [--json] [--root DIR] [--journal PATH]
       volt signals fetch [NAME …] --symbol SYMBOL [--from DATE] [--to DATE] [--root DIR] [--journal PATH]
       volt signals check [--data SPEC] [--symbol SYMBOL] [--lenient] [--json] [--root DIR] [--journal PATH]

  list    each source: what it measures, its API key's environment variable (set or not), and what
          the journal has cached of it.
  fetch   asks each named source (default: every one whose key is set) for SYMBOL's values from
          DATE to DATE (default the last 30 days) and keeps them in the journal, where backtests
          replay them. Base URLs: each source's VOLT_*_URL variable (volt signals list shows it).
  check   reads what a backtest would replay (the journal's cache, else agents.signals' fixtures)
          and checks it: every value published no earlier than its source allows; with --data,
          how many of the data's bars see each signal (published before the bar's close).

  --symbol SYMBOL  the market ('BTC/USD'); per-market sources use its base asset (default: the data's)
  --journal PATH   the journal (default: journal.path of volt.config.json, else .volt/journal.db)
  --root DIR       where to look for volt.config.json (default: the current folder)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      root: { type: 'string' },
      symbol: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      data: { type: 'string' },
      lenient: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const [sub, ...names] = positionals;
  const root = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(root);
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  const out = (s: string) => process.stdout.write(s + '\n');

  if (sub === 'list') {
    if (names.length > 0) throw new UsageError(`volt signals list takes no names\n\n${USAGE}`);
    const cached = existsSync(file) ? withJournal(file, (j) => new SignalCache(j.db).summary()) : [];
    const rows = SIGNAL_SOURCES.map((s) => ({
      name: s.name,
      title: s.title,
      unit: s.unit,
      perMarket: s.perMarket,
      key: s.keyEnv ? { env: s.keyEnv, set: Boolean(process.env[s.keyEnv]), required: s.keyRequired } : null,
      urlEnv: s.urlEnv,
      cached: cached.filter((c) => c.source === s.name).map((c) => ({ market: c.market, values: c.count, from: c.from, to: c.to })),
    }));
    if (values.json) out(JSON.stringify(rows, null, 2));
    else {
      for (const r of rows) {
        const key = r.key ? `${r.key.env} ${r.key.set ? 'set' : r.key.required ? 'NOT SET (required)' : 'not set (optional)'}` : 'no key needed';
        const have = r.cached.length > 0 ? r.cached.map((c) => `${c.market || 'all'} ${c.values} values ${day(c.from)} → ${day(c.to)}`).join('; ') : 'nothing cached';
        out(`${r.name.padEnd(13)} ${r.title}\n${''.padEnd(13)} ${r.unit}; ${key}; base URL from ${r.urlEnv}; ${have}`);
      }
    }
    return EXIT.ok;
  }

  if (sub === 'fetch') {
    if (values.symbol === undefined) throw new UsageError(`volt signals fetch needs --symbol (e.g. --symbol BTC/USD)\n\n${USAGE}`);
    for (const n of names) if (!signalSource(n)) throw new UsageError(`unknown signal '${n}': the sources are ${SIGNAL_SOURCES.map((s) => s.name).join(', ')}`);
    const to = dateOption('to', values.to) ?? Date.now();
    const from = dateOption('from', values.from) ?? to - 30 * 86_400_000;
    const chosen = names.length > 0 ? names.map((n) => signalSource(n)!) : SIGNAL_SOURCES.filter((s) => !s.keyRequired || Boolean(s.keyEnv && process.env[s.keyEnv]));
    const market = baseAsset(values.symbol);
    let failed = 0;
    const journal = Journal.open(file);
    try {
      const cache = new SignalCache(journal.db);
      for (const source of chosen) {
        try {
          const got = await fetchSignal(source, { market, from, to });
          const kept = got.points.filter((p) => p.time >= from && p.time < to);
          cache.put(source.name, source.perMarket ? market : '', kept, got.recording.fetchedAt);
          out(`${source.name}: ${kept.length} values${kept.length > 0 ? ` ${day(Math.min(...kept.map((p) => p.time)))} → ${day(Math.max(...kept.map((p) => p.time)))}` : ''} kept in ${path.relative(process.cwd(), file) || file}`);
        } catch (e) {
          if (!(e instanceof VoltError)) throw e;
          failed++;
          process.stderr.write(`volt signals fetch: ${e.format()}\n`);
        }
      }
    } finally {
      journal.close();
    }
    return failed > 0 ? EXIT.error : EXIT.ok;
  }

  if (sub === 'check') {
    if (names.length > 0) throw new UsageError(`volt signals check takes no names\n\n${USAGE}`);
    const series = values.data !== undefined ? await resolveDataSpec(values.data, { cwd: process.cwd(), lenient: values.lenient === true }) : undefined;
    const symbol = values.symbol ?? series?.symbol;
    if (symbol === undefined) throw new UsageError(`volt signals check needs --data or --symbol\n\n${USAGE}`);
    // Reading them is the check: a value published earlier than its source allows is refused at its file.
    const set = existsSync(file)
      ? withJournal(file, (j) => loadRunSignals({ symbol, cache: new SignalCache(j.db), ...(config.agents.signals ? { fixtures: config.agents.signals } : {}) }))
      : loadRunSignals({ symbol, ...(config.agents.signals ? { fixtures: config.agents.signals } : {}) });
    if (Object.keys(set).length === 0) {
      throw new VoltError({ kind: 'data', message: `no outside signals for ${symbol}: nothing cached in ${file} and no fixtures`, hint: 'run `volt signals fetch --symbol …`, or set agents.signals in volt.config.json to a folder of fixtures' });
    }
    const coverage = series ? signalCoverage(set, series) : undefined;
    if (values.json) {
      out(JSON.stringify({ symbol, signals: Object.values(set).map((d) => ({ name: d.name, source: d.source, values: d.value.length, ...(coverage ? { coverage: coverage.find((c) => c.name === d.name) } : {}) })) }, null, 2));
      return EXIT.ok;
    }
    out(`${symbol}: every value published no earlier than its source allows`);
    for (const d of Object.values(set)) {
      const c = coverage?.find((x) => x.name === d.name);
      const seen = c ? `; ${c.barsCovered} of ${c.bars} bars see it${c.firstBar >= 0 ? ` (from bar ${c.firstBar})` : ''}` : '';
      out(`  ${d.name.padEnd(13)} ${d.value.length} values from ${path.relative(process.cwd(), d.source) || d.source}${seen}`);
    }
    return EXIT.ok;
  }
  throw new UsageError(`${sub === undefined ? 'which subcommand?' : `unknown: ${positionals.join(' ')}`}\n\n${USAGE}`);
}

function withJournal<T>(file: string, f: (j: Journal) => T): T {
  const j = Journal.openExisting(file);
  try {
    return f(j);
  } finally {
    j.close();
  }
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
