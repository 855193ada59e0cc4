// The agents' panel on the hot path, and LLM seats replayed from the cache.
//
// 1. Rule-based consensus plus risk gate, µs per proposal: six rule agents vote, the weighted score
//    meets the regime threshold, the RiskGate shrinks/tightens/rejects — Volt's AgentPanel (reused
//    objects, constant reasoning strings, no allocation) against a peer measured in the same run:
//    the same rules written the straightforward way (a fresh object per vote, arrays built with
//    map/filter/reduce, modification lists and messages built as strings every time). Both see the
//    same proposals on the same MarketContext; the market context itself (a percentile scan over
//    500 readings) is timed separately.
// 2. A backtest with LLM seats re-run from a warm cache (the models' answers already stored, as on
//    a second `volt backtest --agents ollama`) against the same backtest with rule agents. The
//    cache is filled first from a scripted Ollama on 127.0.0.1 (dist/llm/testing/fake-ollama.js).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AGENT_ROLES,
  AgentPanel,
  DEFAULT_WEIGHTS,
  Journal,
  MarketContextBuilder,
  MemoryLlmCache,
  OllamaGateway,
  backtestWithAgents,
  defaultConfig,
  defineStrategy,
  maxStopDistance,
  synthesize,
} from '../packages/engine/dist/index.js';
import { FakeOllama } from '../packages/engine/dist/llm/testing/fake-ollama.js';

const PROPOSALS = 200_000;
const RUNS = 5;

function best(fn, runs = RUNS) {
  let bestMs = Infinity;
  let out;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    out = fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return { ms: bestMs, out };
}


// ------------------------------------------------------------------ 1. consensus + risk gate

/** The panel's rules, written the obvious way: objects everywhere, strings for every decision. */
function naivePanel(limits) {
  const state = { dayStart: NaN, day: NaN, pnl: 0, losses: 0, until: -Infinity };
  const agents = {
    volatility: (p, c) => {
      const dist = maxStopDistance(c);
      const stop = p.side === 'BUY' ? c.price * (1 - dist) : c.price * (1 + dist);
      if (c.regime === 'crash') return p.side === 'SELL' ? { decision: 'SELL', confidence: 0.7, reasoning: `crash regime, VIX ${c.vix}`, modifications: { stopPrice: stop } } : { decision: 'HOLD', confidence: 0.85, reasoning: `crash regime at ${c.vix}` };
      if (c.regime === 'highVolatility') return { decision: p.side, confidence: 0.6, reasoning: `high volatility ${c.realizedVol.toFixed(5)}`, modifications: { stopPrice: stop } };
      const pctile = Number.isNaN(c.volPercentile) ? 0.5 : c.volPercentile;
      return { decision: p.side, confidence: 0.55 + 0.35 * (1 - pctile), reasoning: `volatility percentile ${(pctile * 100).toFixed(0)}`, modifications: { stopPrice: stop } };
    },
    hedge: (p, c) => {
      const risk = Math.abs(p.price - p.stopPrice);
      const reward = Math.abs(p.takeProfitPrice - p.price);
      const mods = c.drawdown > 0.1 ? { pct: p.pct / 2 } : undefined;
      if (!(risk > 0)) return { decision: p.side, confidence: 0.55, reasoning: 'no stop', modifications: mods };
      const rr = reward / risk;
      if (rr >= 2) return { decision: p.side, confidence: 0.8, reasoning: `reward/risk ${rr.toFixed(2)}`, modifications: mods };
      if (rr >= 1) return { decision: p.side, confidence: 0.6, reasoning: `reward/risk ${rr.toFixed(2)}`, modifications: mods };
      return { decision: 'HOLD', confidence: 0.65, reasoning: `reward/risk ${rr.toFixed(2)}` };
    },
    trend: (p, c) => {
      const up = c.momentum > 0 && c.trendSpread > 0;
      const down = c.momentum < 0 && c.trendSpread < 0;
      if (!up && !down) return { decision: 'HOLD', confidence: 0.5, reasoning: 'mixed' };
      const z = Math.abs(c.momentum) / (c.realizedVol * Math.sqrt(20) || 1);
      return { decision: up ? 'BUY' : 'SELL', confidence: 0.5 + 0.45 * Math.tanh(z / 2), reasoning: `momentum ${(c.momentum * 100).toFixed(2)}%` };
    },
    market: (p, c) => ({ decision: c.momentum > 0 ? 'BUY' : c.momentum < 0 ? 'SELL' : 'HOLD', confidence: 0.6, reasoning: `market ${c.regime}` }),
    execution: (p, c) => (c.volume <= 0 ? { decision: 'HOLD', confidence: 0.8, reasoning: 'no volume' } : { decision: p.side, confidence: 0.65, reasoning: `range ${(c.barRange * 100).toFixed(2)}%` }),
    auditor: (p) => ({ decision: p.side, confidence: 0.5 + 0.4 * p.confidence, reasoning: 'coherent' }),
  };
  const weights = { ...DEFAULT_WEIGHTS };
  return (p, c) => {
    const votes = Object.entries(agents).map(([role, assess]) => ({ role, ...assess(p, c), weight: weights[role] }));
    const weighted = votes.filter((v) => v.weight > 0);
    const den = weighted.reduce((s, v) => s + v.weight, 0);
    const num = weighted.reduce((s, v) => s + (v.decision === p.side ? v.weight * v.confidence : v.decision === 'HOLD' ? 0 : -v.weight * v.confidence), 0);
    const score = Math.max(0, num / den);
    const breakdown = votes.reduce((b, v) => ({ ...b, [v.decision]: (b[v.decision] ?? 0) + 1 }), {});
    if (score < c.threshold) return { status: 'REJECTED', by: 'consensus', score, breakdown, reasons: [`score ${score.toFixed(3)} below ${c.threshold}`] };
    const day = Math.floor(p.time / 86_400_000);
    if (day !== state.day) Object.assign(state, { day, dayStart: p.equity, pnl: 0 });
    if (p.time < state.until) return { status: 'REJECTED', by: 'risk_gate', reasons: ['circuit breaker'] };
    const modifications = [];
    let pct = p.pct;
    const advised = votes.map((v) => v.modifications?.pct).filter((x) => x !== undefined);
    if (advised.length > 0 && Math.min(...advised) < pct) {
      modifications.push({ field: 'size', from: pct, to: Math.min(...advised), reason: 'agent advice' });
      pct = Math.min(...advised);
    }
    if (pct > limits.maxPositionPct) {
      modifications.push({ field: 'size', from: pct, to: limits.maxPositionPct, reason: `allocation ${(pct * 100).toFixed(1)}% exceeds the limit` });
      pct = limits.maxPositionPct;
    }
    const dist = maxStopDistance(c);
    const widest = p.side === 'BUY' ? p.price * (1 - dist) : p.price * (1 + dist);
    let stop = p.stopPrice;
    if (Number.isNaN(stop) || (p.side === 'BUY' ? stop < widest : stop > widest)) {
      modifications.push({ field: 'stop', from: stop, to: widest, reason: `stop wider than ${(dist * 100).toFixed(1)}%` });
      stop = widest;
    }
    return { status: modifications.length ? 'APPROVED_WITH_MODIFICATIONS' : 'APPROVED', pct, stop, score, breakdown, modifications, reasons: modifications.map((m) => m.reason) };
  };
}

function consensusBench() {
  const series = synthesize({ seed: 42, bars: 20_000, timeframe: '1h' });
  const builder = new MarketContextBuilder(series);
  const limits = { maxPositionPct: 0.1, maxDailyLoss: 0.03, maxConsecutiveLosses: 5 };
  const panel = new AgentPanel({ limits });
  const naive = naivePanel(limits);
  const n = series.length;
  // Proposals at every bar after warm-up: 15% asks with an 8% stop, alternating sides.
  const proposal = { symbol: series.symbol, side: 'BUY', pct: 0.15, stopPrice: NaN, takeProfitPrice: NaN, confidence: 0.7, reason: 'bench', bar: 0, time: 0, price: 0, equity: 10_000 };
  const contexts = [];
  for (let b = 600; b < n; b++) contexts.push({ ...builder.at(b) });
  const fill = (k) => {
    const c = contexts[k % contexts.length];
    proposal.side = k & 1 ? 'SELL' : 'BUY';
    proposal.bar = c.bar;
    proposal.time = c.time;
    proposal.price = c.price;
    proposal.stopPrice = proposal.side === 'BUY' ? c.price * 0.92 : c.price * 1.08;
    proposal.takeProfitPrice = proposal.side === 'BUY' ? c.price * 1.12 : c.price * 0.88;
    return c;
  };
  let approvedVolt = 0;
  let approvedNaive = 0;
  const volt = best(() => {
    panel.reset();
    approvedVolt = 0;
    for (let k = 0; k < PROPOSALS; k++) if (panel.decide(proposal, fill(k)).approved) approvedVolt++;
  });
  const peer = best(() => {
    approvedNaive = 0;
    for (let k = 0; k < PROPOSALS; k++) if (naive(proposal, fill(k)).status !== 'REJECTED') approvedNaive++;
  });
  const ctxTime = best(() => {
    let s = 0;
    for (let k = 0; k < PROPOSALS; k++) s += builder.at(600 + (k % (n - 600))).volPercentile;
    return s;
  });
  const usVolt = (volt.ms * 1000) / PROPOSALS;
  const usPeer = (peer.ms * 1000) / PROPOSALS;
  const usCtx = (ctxTime.ms * 1000) / PROPOSALS;
  return [
    `rules consensus + risk gate: ${usVolt.toFixed(2)} µs/proposal (${PROPOSALS.toLocaleString('en-US')} proposals, ${approvedVolt} approved; target < 20 µs)`,
    `  peer, the same rules allocating per vote: ${usPeer.toFixed(2)} µs/proposal (${approvedNaive} approved) → Volt ${(usPeer / usVolt).toFixed(1)}× faster`,
    `  market context per proposal (percentile over 500 readings, VIX lookup): ${usCtx.toFixed(2)} µs; with it ${(usVolt + usCtx).toFixed(2)} µs/proposal`,
  ];
}

// ------------------------------------------------------------------ 2. cached LLM re-run vs rules

/** EMA 12/48 crossover, long and short, asking for 15% with a 4% stop: a proposal every few dozen bars. */
const crossover = defineStrategy({
  name: 'bench-crossover',
  params: { fast: 12, slow: 48 },
  risk: { stopLoss: 0.04, takeProfit: 0.08, maxPositionPct: 0.15 },
  indicators: (ind, p) => ({ fast: ind.ema(p.fast), slow: ind.ema(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!slow.ready) return;
    const spread = fast.value - slow.value;
    const before = ctx.state.spread;
    ctx.state.spread = spread;
    if (before === undefined) return;
    if (before <= 0 && spread > 0 && ctx.position.side !== 1) ctx.buy({ pct: 0.15, confidence: 0.7, reason: 'fast EMA crossed above slow' });
    else if (before >= 0 && spread < 0 && ctx.position.side !== -1) ctx.sell({ pct: 0.15, confidence: 0.6, reason: 'fast EMA crossed below slow' });
  },
});

async function replayBench() {
  const series = synthesize({ seed: 7, bars: 100_000, timeframe: '1h' });
  const server = await FakeOllama.start({
    models: ['llama3.3:latest', 'deepseek-r1:8b'],
    reply: (call) => {
      const prompt = call.messages.find((m) => m.role === 'user').content;
      const up = /Proposal from the strategy: BUY/.test(prompt) === !/momentum -/.test(prompt);
      return { content: JSON.stringify(up ? { decision: 'BUY', confidence: 0.8, reasoning: 'trend intact' } : { decision: 'HOLD', confidence: 0.6, reasoning: 'wait' }) };
    },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-bench-agents-'));
  const journal = Journal.open(path.join(dir, 'journal.db'));
  try {
    const config = defaultConfig();
    config.ollama.host = server.host;
    config.ollama.models = { ...config.ollama.models, risk: 'deepseek-r1:8b', market: 'llama3.3' };
    const options = { maxPositionCap: 0.5 };
    const t0 = performance.now();
    const warm = await backtestWithAgents(crossover, series, options, { mode: 'ollama', config, cache: journal });
    const warmMs = performance.now() - t0;
    // Interleaved rounds, best of each: the shared machine's load drifts, and both sides should see the same drift.
    const memory = new MemoryLlmCache();
    await backtestWithAgents(crossover, series, options, { mode: 'ollama', config, gateway: new OllamaGateway({ host: server.host, cache: memory }) });
    const rules = { ms: Infinity };
    const replayJournal = { ms: Infinity, out: undefined };
    const replayMemory = { ms: Infinity };
    for (let round = 0; round < 9; round++) {
      let t = performance.now();
      await backtestWithAgents(crossover, series, options, { mode: 'rules', config });
      rules.ms = Math.min(rules.ms, performance.now() - t);
      t = performance.now();
      replayJournal.out = await backtestWithAgents(crossover, series, options, { mode: 'ollama', config, cache: journal });
      replayJournal.ms = Math.min(replayJournal.ms, performance.now() - t);
      t = performance.now();
      await backtestWithAgents(crossover, series, options, { mode: 'ollama', config, gateway: new OllamaGateway({ host: server.host, cache: memory }) });
      replayMemory.ms = Math.min(replayMemory.ms, performance.now() - t);
    }
    const same = JSON.stringify(replayJournal.out.report) === JSON.stringify(warm.report);
    return [
      `backtest with LLM seats re-run from the journal's cache (SQLite): ${replayJournal.ms.toFixed(1)} ms vs ${rules.ms.toFixed(1)} ms with rule agents → ${(replayJournal.ms / rules.ms).toFixed(2)}× (target within 2×)`,
      `  ${series.length.toLocaleString('en-US')} bars, ${warm.summary.proposals} proposals × ${Object.keys(warm.llm.seats).length} LLM seats; re-run made ${replayJournal.out.llm.requests} LLM requests, same report: ${same ? 'yes' : 'NO'}; ` +
        `${(((replayJournal.ms - rules.ms) * 1000) / warm.summary.proposals).toFixed(1)} µs per proposal over rules`,
      `  with an in-memory cache: ${replayMemory.ms.toFixed(1)} ms → ${(replayMemory.ms / rules.ms).toFixed(2)}× rules`,
      `  (first run, filling the cache from a scripted Ollama on 127.0.0.1: ${warm.llm.requests} requests in ${warm.llm.passes} passes, ${(warmMs / 1000).toFixed(1)} s)`,
    ];
  } finally {
    journal.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  return [...consensusBench(), ...(await replayBench())];
}
