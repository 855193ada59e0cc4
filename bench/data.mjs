// Data throughput, each figure beside a peer measured in the same run (best of a few runs after a
// warm-up, one core):
// - loading: Volt's parseCandles (strict checks, newest-first detection, duplicate/order checks,
//   typed arrays) over the real files in ../shared/data, against the loader most people write
//   first: split lines and commas, Date.parse, an array of candle objects, sort — no checks at all.
// - synthesis: 1,000,000 bars of Volt's regime-switching market (GARCH volatility, jumps, gaps,
//   volume) against a plain geometric random walk (Math.random + Box–Muller) into candle objects.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCandles, synthesize } from '../packages/engine/dist/data/index.js';

const RUNS = 5;
const BARS = 1_000_000;
const SHARED = process.env.VOLT_SHARED_DATA ?? path.resolve(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'data');

function best(fn) {
  fn();
  let fastest = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return fastest;
}

/** The loader people write first: correct for a clean oldest-first file, silent about everything else. */
function naiveCsv(text) {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const at = (name) => header.indexOf(name);
  const [t, o, h, l, c, v] = [at('date'), at('open'), at('high'), at('low'), at('close'), Math.max(at('volume'), at('volumefrom'))];
  const candles = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    let f = lines[i].split(',');
    // The one quirk it knows: a Date column whose rows carry the time of day in the next field.
    if (f.length === header.length + 1) f = [`${f[0]} ${f[1]}`, ...f.slice(2)];
    candles.push({
      time: Date.parse(f[t].replace(' ', 'T') + 'Z'),
      open: parseFloat(f[o]),
      high: parseFloat(f[h]),
      low: parseFloat(f[l]),
      close: parseFloat(f[c]),
      volume: v >= 0 ? parseFloat(f[v]) : 0,
    });
  }
  return candles.sort((a, b) => a.time - b.time);
}

function naiveJson(text) {
  return JSON.parse(text).map(([time, open, high, low, close, volume]) => ({ time, open, high, low, close, volume }));
}

function randomWalk(bars) {
  const candles = [];
  let price = 100;
  const sigma = 0.0064;
  for (let i = 0; i < bars; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    const open = price;
    price *= Math.exp(sigma * z);
    candles.push({
      time: 1577836800000 + i * 3_600_000,
      open,
      high: Math.max(open, price) * (1 + 0.002 * Math.random()),
      low: Math.min(open, price) * (1 - 0.002 * Math.random()),
      close: price,
      volume: 1000 * Math.random(),
    });
  }
  return candles;
}

const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

export async function run() {
  const lines = [];
  const files = ['2006-01-02-volume-min-001.txt', 'bitfinex-1h-btc-usd.csv', 'vix-daily.csv', 'ETH_BTC-5m.json', 'UNITTEST_BTC-1m.json'];
  if (!existsSync(SHARED)) {
    lines.push(`loading: skipped, ${SHARED} is missing (set VOLT_SHARED_DATA)`);
  } else {
    lines.push('| file | rows | Volt parseCandles | rows/s | naive loader | ratio |', '|---|---:|---:|---:|---:|---:|');
    for (const name of files) {
      const file = path.join(SHARED, name);
      const text = readFileSync(file, 'utf8');
      let rows = 0;
      const volt = best(() => (rows = parseCandles(text, file, { lenient: true }).series.length));
      const peer = best(() => (name.endsWith('.json') ? naiveJson(text) : naiveCsv(text)));
      lines.push(`| ${name} | ${fmt(rows)} | ${volt.toFixed(1)} ms | ${fmt((rows / volt) * 1000)} | ${peer.toFixed(1)} ms | ${(peer / volt).toFixed(2)}× |`);
    }
  }
  const volt = best(() => synthesize({ seed: 42, bars: BARS, timeframe: '1h' }));
  const peer = best(() => randomWalk(BARS));
  lines.push(
    '',
    `synthetic market, ${fmt(BARS)} bars: Volt synthesize ${volt.toFixed(0)} ms (${fmt((BARS / volt) * 1000)} bars/s); ` +
      `plain random walk into candle objects ${peer.toFixed(0)} ms; ratio ${(peer / volt).toFixed(2)}×`,
  );
  return lines;
}
