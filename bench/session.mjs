// A market session's own time and memory (issue 14).
//
// 1. Bar close → decision → order sent: a paper session with the rule agents reviewing every entry,
//    fed 3,000 closed 1m bars by an in-memory exchange that answers at once (so the figure is
//    Volt's own time: append the bar, step the trusted stepper, the strategy's decision, the
//    capital guard and the agents' panel, the book walk and the fill; the wait for the exchange's
//    book is taken out). Twice: the strategy in this process, and the strategy in its sandbox
//    process as `volt paper` runs it (one channel round trip per bar). Peer, measured in the same
//    run: one request to the loopback Binance through ccxt (fetchOrderBook), the part of a real
//    order that Volt does not control.
// 2. RSS over a 10,000-bar session (every 1,000th bar), the journal written as the session goes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  CcxtFeed,
  LocalSeat,
  MarketSession,
  SessionStore,
  StrategyRunner,
  defineStrategy,
  sessionClient,
  synthesize,
  transpileStrategy,
} from '../packages/engine/dist/index.js';
import { startExchangeServer } from '../packages/engine/dist/trading/testing/exchange-server.js';

const TF = 60_000;
// The memory figures are read after a full GC; `node scripts/bench.mjs session` runs without
// --expose-gc, so the flag is set here (a context made after it sees `gc`), or the "after GC"
// heap was only wherever the collector happened to be.
v8.setFlagsFromString('--expose-gc');
const gc = globalThis.gc ?? vm.runInNewContext('gc');
const SOURCE = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'bench-crossing',
  params: { fast: 5, slow: 20 },
  risk: { stopLoss: 0.004, takeProfit: 0.006, maxPositionPct: 0.1 },
  indicators: (ind, p) => ({ fast: ind.sma(p.fast), slow: ind.sma(p.slow), rsi: ind.rsi(14) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    if (ctx.position.side === 0 && fast.value > slow.value) ctx.buy({ reason: 'fast above slow', confidence: 0.8 });
    else if (ctx.position.side === 1 && fast.value < slow.value) ctx.exit({ reason: 'fast below slow' });
  },
});
`;
const crossing = defineStrategy({
  name: 'bench-crossing',
  params: { fast: 5, slow: 20 },
  risk: { stopLoss: 0.004, takeProfit: 0.006, maxPositionPct: 0.1 },
  indicators: (ind, p) => ({ fast: ind.sma(p.fast), slow: ind.sma(p.slow), rsi: ind.rsi(14) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    if (ctx.position.side === 0 && fast.value > slow.value) ctx.buy({ reason: 'fast above slow', confidence: 0.8 });
    else if (ctx.position.side === 1 && fast.value < slow.value) ctx.exit({ reason: 'fast below slow' });
  },
});

/** An exchange in memory whose clock moves one bar each time it is asked: a session as fast as Volt goes. */
function memoryFeed(market, firstLive) {
  let k = firstLive;
  return {
    time: async () => market.time[Math.min(k++, market.length - 1)] + TF,
    candles: async (since, limit) => {
      const out = [];
      for (let i = Math.max(0, Math.ceil((since - market.time[0]) / TF)); i < market.length && out.length < limit && market.time[i] <= market.time[Math.min(k, market.length - 1)]; i++) {
        out.push({ time: market.time[i], open: market.open[i], high: market.high[i], low: market.low[i], close: market.close[i], volume: market.volume[i] });
      }
      return out;
    },
    book: async () => {
      const p = market.close[Math.min(k, market.length - 1)];
      const levels = (side) => Array.from({ length: 20 }, (_, n) => [p * (1 + side * 0.0001 * (n + 1)), 0.5]);
      return { bids: levels(-1), asks: levels(1) };
    },
    last: async () => ({ price: market.close[Math.min(k, market.length - 1)], time: market.time[Math.min(k, market.length - 1)] + TF / 2 }),
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function session(dir, name, market, bars, strategy, onEvent) {
  const warmup = 50;
  const settings = { strategyPath: path.join(dir, 'bench.strategy.ts'), exchange: 'memory', symbol: 'BTC/USDT', timeframe: '1m', capital: 20_000, warmupBars: warmup, hours: (bars * TF) / 3_600_000, params: {}, feeRate: 0.001, protection: {} };
  const first = 100;
  const store = SessionStore.create(path.join(dir, `${name}.db`), 'paper', settings, { strategyName: 'bench-crossing' }, market.time[first + bars] + TF);
  const feed = memoryFeed(market, first);
  const s = new MarketSession({ store, feed, strategy, agents: {}, lookEveryMs: 0, sleep: () => Promise.resolve(), protection: { maxClockSkewMs: Infinity, staleBars: Infinity }, onEvent });
  // The warm-up: the feed's clock stands at bar `first`.
  await s.run();
  store.close();
}

export async function run() {
  const lines = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-bench-session-'));
  writeFileSync(path.join(dir, 'bench.strategy.ts'), SOURCE);
  const market = synthesize({ seed: 4, bars: 12_000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 0, 1) });
  try {
    // 1. Own time per bar, in-process seat then sandboxed seat.
    const figures = {};
    for (const where of ['in-process', 'sandbox']) {
      const own = [];
      let runner;
      let seat;
      if (where === 'sandbox') {
        runner = new StrategyRunner({ timeoutMs: 10_000, maxMemoryMb: 256, spares: 0, warmUp: false });
        seat = await runner.openSeat({ bundle: await transpileStrategy(path.join(dir, 'bench.strategy.ts')), symbol: 'BTC/USDT', timeframe: '1m', source: 'memory' });
      } else {
        seat = new LocalSeat({ definition: crossing }, { symbol: 'BTC/USDT', timeframe: '1m', source: 'memory' });
      }
      let orders = 0;
      await session(dir, `own-${where}`, market, 3000, seat, (e) => {
        if (e.type === 'bar') {
          own.push(e.orderMs);
          if (e.signals > 0) orders++;
        }
      });
      await seat.close();
      await runner?.dispose();
      // The first bars run before V8 has optimised the path; a session runs for hours.
      const steady = own.slice(200).sort((a, b) => a - b);
      figures[where] = { p50: quantile(steady, 0.5), p95: quantile(steady, 0.95), p99: quantile(steady, 0.99), bars: own.length, orders };
    }

    // Peer: one order-book request to the loopback Binance through ccxt.
    const server = await startExchangeServer({ market, startBar: 500, speed: 1 });
    const client = await sessionClient({ exchange: 'binance', apiUrl: server.url, rateLimitMs: 1 });
    const feed = new CcxtFeed(client, 'BTC/USDT', '1m');
    await feed.book();
    const trips = [];
    for (let k = 0; k < 300; k++) {
      const t = performance.now();
      await feed.book();
      trips.push(performance.now() - t);
    }
    await server.close();
    trips.sort((a, b) => a - b);
    const peer = quantile(trips, 0.5);
    const f = (x) => `${x.toFixed(3)} ms`;
    for (const [where, x] of Object.entries(figures)) {
      lines.push(`bar close → decision → order sent, rule agents, strategy ${where.padEnd(10)}  p50 ${f(x.p50)}  p95 ${f(x.p95)}  p99 ${f(x.p99)}  (${x.bars} bars, ${x.orders} with orders)`);
    }
    lines.push(`peer: one fetchOrderBook to the loopback Binance through ccxt          p50 ${f(peer)}  p95 ${f(quantile(trips, 0.95))}`);
    lines.push(`ratio Volt's own p95 (sandbox) / one exchange round trip p50: ${(figures.sandbox.p95 / peer).toFixed(2)}x   target p95 < 5 ms: ${figures.sandbox.p95 < 5 ? 'met' : 'NOT met'}`);

    // 2. RSS over 10,000 bars.
    const rss = [];
    const heap = [];
    let n = 0;
    gc();
    await session(dir, 'rss', market, 10_000, new LocalSeat({ definition: crossing }, { symbol: 'BTC/USDT', timeframe: '1m', source: 'memory' }), (e) => {
      if (e.type === 'bar' && ++n % 1000 === 0) {
        gc();
        rss.push(Math.round(process.memoryUsage().rss / 1048576));
        heap.push(Math.round(process.memoryUsage().heapUsed / 1048576));
      }
    });
    lines.push(`RSS at every 1,000th bar of a 10,000-bar session (journal written as it goes): ${rss.join(' → ')} MB; heap after GC ${heap.join(' → ')} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
