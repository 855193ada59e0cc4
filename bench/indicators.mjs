// Indicator throughput: each Volt indicator streamed over the same 1,000,000-bar random walk as
// the `technicalindicators` package's equivalent, measured in the same run. Figures are bars per
// second (best of a few runs after a warm-up); the ratio is Volt ÷ peer per-bar throughput.
import { createRequire } from 'node:module';
import technicalindicators from 'technicalindicators';
import {
  Atr,
  Bollinger,
  createIndicatorFactory,
  Ema,
  Macd,
  RealizedVol,
  Rsi,
  Sma,
} from '../packages/engine/dist/indicators/index.js';

const { ATR, BollingerBands, EMA, MACD, RSI, SD, SMA } = technicalindicators;
const peerVersion = createRequire(import.meta.url)('technicalindicators/package.json').version;

const BARS = 1_000_000;
const SEED = 20240601;
const RUNS = 3;

/** Seeded random walk (mulberry32 + Box–Muller) with a high/low around each close. */
function market(bars, seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const open = new Float64Array(bars);
  const high = new Float64Array(bars);
  const low = new Float64Array(bars);
  const close = new Float64Array(bars);
  let price = 100;
  for (let i = 0; i < bars; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    open[i] = price;
    price *= Math.exp(0.01 * g);
    close[i] = price;
    const top = Math.max(open[i], price);
    const bottom = Math.min(open[i], price);
    high[i] = top * (1 + 0.005 * uniform());
    low[i] = bottom * (1 - 0.005 * uniform());
  }
  return { open, high, low, close };
}

/** Best wall time of `runs` calls (after one warm-up call), in seconds; `sink` defeats dead-code elimination. */
let sink = 0;
function best(fn, runs = RUNS) {
  sink += Number(fn()) || 0;
  let fastest = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    sink += Number(fn()) || 0;
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return fastest;
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

export async function run() {
  const bars = market(BARS, SEED);
  const { high, low, close } = bars;
  const closeList = Array.from(close);
  const highList = Array.from(high);
  const lowList = Array.from(low);
  // Log returns for the peer's realized volatility: it has none, so it is built from its SD over
  // precomputed log returns (population, the only kind it offers) — a generous peer: the returns
  // come for free.
  const logReturns = closeList.slice(1).map((c, i) => Math.log(c / closeList[i]));

  // Each case has its own loop (no shared helper) so every `update` call site sees one class, as
  // in a strategy; a shared loop would go megamorphic and measure V8's dispatch instead.
  const cases = [
    ['SMA(20)', () => {
        const sma = new Sma(20);
        for (let i = 0; i < close.length; i++) sma.update(close[i]);
        return sma.value;
      }, () => SMA.calculate({ period: 20, values: closeList }).length],
    ['EMA(20)', () => {
        const ema = new Ema(20);
        for (let i = 0; i < close.length; i++) ema.update(close[i]);
        return ema.value;
      }, () => EMA.calculate({ period: 20, values: closeList }).length],
    ['RSI(14)', () => {
        const rsi = new Rsi(14);
        for (let i = 0; i < close.length; i++) rsi.update(close[i]);
        return rsi.value;
      }, () => RSI.calculate({ period: 14, values: closeList }).length],
    [
      'MACD(12,26,9)',
      () => {
        const macd = new Macd(12, 26, 9);
        for (let i = 0; i < close.length; i++) macd.update(close[i]);
        return macd.histogram;
      },
      () =>
        MACD.calculate({
          values: closeList,
          fastPeriod: 12,
          slowPeriod: 26,
          signalPeriod: 9,
          SimpleMAOscillator: false,
          SimpleMASignal: false,
        }).length,
    ],
    [
      'Bollinger(20,2)',
      () => {
        const bands = new Bollinger(20, 2);
        for (let i = 0; i < close.length; i++) bands.update(close[i]);
        return bands.upper;
      },
      () => BollingerBands.calculate({ period: 20, stdDev: 2, values: closeList }).length,
    ],
    [
      'ATR(14)',
      () => {
        const atr = new Atr(14);
        for (let i = 0; i < close.length; i++) atr.update(high[i], low[i], close[i]);
        return atr.value;
      },
      () => ATR.calculate({ period: 14, high: highList, low: lowList, close: closeList }).length,
    ],
    [
      'realized vol(20)',
      () => {
        const vol = new RealizedVol(20, 8760);
        for (let i = 0; i < close.length; i++) vol.update(close[i]);
        return vol.value;
      },
      () => SD.calculate({ period: 20, values: logReturns }).length,
    ],
  ];

  const lines = [
    `${BARS.toLocaleString('en-US')} bars of a seeded random walk (seed ${SEED}); best of ${RUNS} runs after a warm-up; Node ${process.version}`,
    `peer: technicalindicators ${peerVersion} batch calculate() on plain arrays (its fastest path)`,
    '',
    `${'indicator'.padEnd(18)} ${'volt bars/s'.padStart(14)} ${'peer bars/s'.padStart(14)} ${'ratio'.padStart(8)}`,
  ];
  for (const [name, volt, peer] of cases) {
    const voltRate = BARS / best(volt);
    const peerRate = BARS / best(peer, 1);
    lines.push(
      `${name.padEnd(18)} ${fmt(voltRate).padStart(14)} ${fmt(peerRate).padStart(14)} ${`${(voltRate / peerRate).toFixed(1)}×`.padStart(8)}`,
    );
  }

  // What the backtester does: the indicators a strategy declared, fed whole bars in one flat loop.
  const { factory, indicators } = createIndicatorFactory();
  factory.rsi(14);
  factory.macd(12, 26, 9);
  factory.bollinger(20, 2);
  const { open } = bars;
  const flat = best(() => {
    for (const x of indicators) x.reset();
    for (let i = 0; i < BARS; i++) {
      for (const x of indicators) x.onBar(open[i], high[i], low[i], close[i], 0);
    }
    return indicators[0].value;
  });
  lines.push('');
  lines.push(`RSI(14)+MACD(12,26,9)+Bollinger(20,2) declared through the factory, fed by onBar: ${fmt(BARS / flat)} bars/s`);
  lines.push('realized vol peer: technicalindicators has none; its SD over precomputed log returns stands in.');
  if (!Number.isFinite(sink)) lines.push('(checksum not finite)');
  return lines;
}
