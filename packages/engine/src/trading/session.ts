import { existsSync } from 'node:fs';
import type { Candle } from '../data/index.js';
import { timeframeToMs } from '../data/index.js';
import { VoltError } from '../errors.js';
import { BarStepper } from '../backtest/stepper.js';
import type { EntryRequest, EntryVerdict, Signal, Trade } from '../backtest/index.js';
import type { LoadedStrategy, RiskSpec } from '../strategy/index.js';
import { BookPricer, ReplayPricer, type OrderBookSnapshot } from './book.js';
import { CapitalGuard, type Halt, type ProtectionLimits } from './guard.js';
import type { SeatOrder, SeatView } from './seat.js';
import { LiveSeries } from './series.js';
import { RetryLater, startFailure } from './feed.js';
import type { OpenLotFacts, RecordedEvent, SessionStore } from './store.js';
import type { PositionMirror } from './orders.js';
import { LiveSignals, SIGNAL_NAMES } from '../signals/index.js';
import { AgentReview, MarketContextBuilder, panelFromConfig, type AgentsConfig } from '../agents/index.js';
import { WeeklyReporter, type WeeklyReportEvent, type WeeklySchedule } from './weekly.js';

/** The market a session trades, as the session needs it: ccxt in practice, anything in tests. */
export interface MarketFeed {
  /** The exchange's clock, epoch ms. */
  time(): Promise<number>;
  /** Candles opening at or after `since`, oldest first (the last may still be forming). */
  candles(since: number, limit: number): Promise<Candle[]>;
  book(): Promise<OrderBookSnapshot>;
  /** Price of the last trade, and the exchange's time of it. */
  last(): Promise<{ price: number; time: number }>;
  /** Waits up to `ms`, less when a streamed bar arrives (a streaming feed). */
  waitForBar?(ms: number): Promise<void>;
  /** Ends the feed's streams when the session ends. */
  close?(): Promise<void>;
}

/** The strategy, wherever it runs (the sandbox, or in-process in tests): fed closed bars, answers orders. */
export interface StrategyPort {
  readonly name: string;
  readonly params: Record<string, number>;
  readonly risk?: RiskSpec;
  readonly pyramiding?: boolean;
  decide(c: Candle, view: SeatView): Promise<SeatOrder[]>;
  close(): Promise<void>;
}

export type SessionEvent =
  | { type: 'start'; session: number; resumed: boolean; replayed: number; warmup: number; at: number }
  | { type: 'gap'; session: number; from: number; bars: number }
  | { type: 'bar'; session: number; bar: number; time: number; close: number; position: number; equity: number; pnlPct: number; open: number; nextInMs: number; decideMs: number; orderMs: number; signals: number }
  | { type: 'signal'; session: number; signal: Signal }
  | { type: 'fill'; session: number; tradeId: number; side: 'long' | 'short'; qty: number; price: number; time: number }
  | { type: 'trade'; session: number; trade: Trade; outcome: string }
  | { type: 'halt'; session: number; kind: Halt['kind']; why: string }
  | { type: 'exchange'; session: number; problem: string | null }
  /** An outside signal's source failed to answer (`problem`), or answers again (null); the session goes on. */
  | { type: 'signal-source'; session: number; source: string; problem: string | null; values: number }
  | { type: 'end'; session: number; status: 'finished' | 'stopped' | 'failed'; reason: string; equity: number; trades: number }
  | ({ session: number } & WeeklyReportEvent);

export interface SessionOptions {
  store: SessionStore;
  feed: MarketFeed;
  strategy: StrategyPort;
  /** How a fill is priced (default: walking the live book). */
  pricer?: BookPricer;
  /** The agents' panel (rules) reviewing every entry after the capital guard, as in `volt backtest --agents rules`. */
  agents?: { config?: AgentsConfig };
  /**
   * Outside signals (`ctx.signals`, the agents' context): the run's loaded values, polled live on
   * the exchange's clock (signals/README.md, "In a session"). Without it ctx.signals reads NaN.
   */
  signals?: LiveSignals;
  /** `volt live`: position changes placed on the venue as real orders. */
  venue?: PositionMirror;
  protection?: Partial<ProtectionLimits>;
  onEvent?: (e: SessionEvent) => void;
  /** Longest wait between looks at the exchange (the kill switch, the ticker), ms; default 1000. */
  lookEveryMs?: number;
  /** A file whose existence stops the session (the file kill switch). */
  killFile?: string;
  /** Set from outside (a signal handler): the session stops at its next look. */
  stopFlag?: { why: string | null };
  /** Bars fetched before the start (default 200). */
  warmupBars?: number;
  /** The weekly report as weeks pass on the exchange's clock (trading/README.md, "The weekly report"). */
  weekly?: WeeklySchedule;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Bars the agents' market context is computed over: its readings need the slow average (40), the
 * volatility window (20) and the 500 readings its percentile ranks against; twice that, so a
 * reading is the one the whole history gives (up to the rounding of the running sums).
 */
const CONTEXT_BARS = 1024;

const outcomeOf = (t: Trade): string => (t.exitReason === 'stop' ? 'STOPPED' : t.pnl > 0 ? 'CORRECT' : 'FALSE_POSITIVE');

/**
 * A paper (or live) session: closed bars from the exchange drive the same BarStepper the backtest
 * runs, in this trusted process; the strategy, in its sandbox, only sees each bar and answers
 * orders, which are checked, sized, gated (CapitalGuard) and filled here. See trading/README.md.
 */
export class MarketSession {
  private readonly store: SessionStore;
  private readonly feed: MarketFeed;
  private readonly strategy: StrategyPort;
  private readonly series: LiveSeries;
  private readonly stepper: BarStepper;
  private readonly book: BookPricer;
  private readonly pricer: ReplayPricer;
  private readonly guard: CapitalGuard;
  private readonly tfMs: number;
  private readonly sessionId: number;
  private readonly emit: (e: SessionEvent) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly lookEveryMs: number;
  private readonly options: SessionOptions;
  /** Journaling is off while a resumed session replays what the journal already holds. */
  private replaying = false;
  private signals: Signal[] = [];
  private events: RecordedEvent[] = [];
  private journaledOpen = new Set<number>();
  private journaledClosed = new Set<number>();
  private tradesSeen = 0;
  private warmup = 0;
  private errors = 0;
  /** The forming bar's range as seen by the ticker, for stops inside the bar. */
  private forming = { bar: -1, open: NaN, high: NaN, low: NaN };
  /** A position to close at the next look (exchange breaker, a limit hit inside a bar). */
  private flattenWanted: string | null = null;
  private entryFees = new Map<number, number>();
  private readonly panel: AgentReview | undefined;
  private readonly agentRows: ReturnType<SessionStore['agentJournal']> | undefined;
  private readonly reporter: WeeklyReporter | undefined;
  private readonly outside: LiveSignals | undefined;
  /** The values the current bar sees, reused bar after bar. */
  private readonly outsideRow = new Float64Array(SIGNAL_NAMES.length);

  constructor(options: SessionOptions) {
    this.options = options;
    this.store = options.store;
    this.feed = options.feed;
    this.strategy = options.strategy;
    const s = this.store.session;
    this.sessionId = s.id;
    this.tfMs = timeframeToMs(s.timeframe);
    this.emit = options.onEvent ?? (() => {});
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.lookEveryMs = options.lookEveryMs ?? 1000;
    this.outside = options.signals;
    if (this.outside) this.outside.onEvent = (e) => this.emit({ type: 'signal-source', session: this.sessionId, ...e });
    this.guard = new CapitalGuard(options.protection);
    this.book = options.pricer ?? new BookPricer();
    this.pricer = new ReplayPricer([], this.book);
    const expected = Math.ceil((s.settings.hours * 3_600_000) / this.tfMs);
    this.series = new LiveSeries(s.symbol, s.timeframe, s.exchange, s.settings.warmupBars + Math.min(expected, 1 << 20) + 16);
    const loaded: LoadedStrategy = {
      definition: {
        name: this.strategy.name,
        params: this.strategy.params,
        ...(this.strategy.risk ? { risk: this.strategy.risk } : {}),
        ...(this.strategy.pyramiding ? { pyramiding: true } : {}),
        // The strategy runs elsewhere: its orders reach the stepper through `order`.
        onBar: () => {},
      },
      path: s.strategyPath,
    };
    if (options.agents) {
      this.panel = new AgentReview(panelFromConfig(options.agents.config), new MarketContextBuilder(this.series), { journaled: true });
      this.agentRows = this.store.agentJournal();
    }
    const observer = {
      decide: (entry: EntryRequest): EntryVerdict => this.review(entry),
      onSignal: (signal: Signal) => (this.panel ? this.panel.onSignal(signal) : this.signals.push({ ...signal })),
      onTrade: (trade: Trade) => this.panel?.onTrade(trade),
    };
    if (options.weekly) this.reporter = new WeeklyReporter(this.store.journal, options.weekly, (e) => this.emit({ session: this.sessionId, ...e }));
    this.stepper = new BarStepper(loaded, this.series, { capital: s.capital, feeRate: s.settings.feeRate, params: s.settings.params }, observer, { pricer: this.pricer });
  }

  /** Every entry: the capital guard's hard limits first, then the agents' panel and its risk gate. */
  private review(entry: EntryRequest): EntryVerdict {
    const refusal = this.guard.refusal(entry.bar);
    if (refusal !== null) return { approved: false, note: `REJECTED by capital guard: ${refusal}` };
    if (!this.panel) return { approved: true };
    // The market context is measured on the bars so far (the series grows; the builder reads a fixed
    // length), from CONTEXT_BARS back only: over the whole session its arrays grew with every bar,
    // and their churn kept the RSS climbing (bench/session.mjs).
    const n = this.series.length;
    const s = this.series;
    const upToNow = { symbol: s.symbol, timeframe: s.timeframe, source: s.source, length: n, time: s.time.subarray(0, n), open: s.open.subarray(0, n), high: s.high.subarray(0, n), low: s.low.subarray(0, n), close: s.close.subarray(0, n), volume: s.volume.subarray(0, n) };
    const from = Math.max(0, n - CONTEXT_BARS);
    const agents = this.options.agents?.config?.agents;
    this.panel.context = new MarketContextBuilder(upToNow, { from, ...(agents ? { thresholds: agents.thresholds, ...(agents.blend ? { blend: agents.blend } : {}) } : {}), ...(this.outside ? { signals: this.outside.set } : {}) });
    return this.panel.decide(entry);
  }

  /** What the strategy is told at the close of the bar opening at `time`. */
  private view(time: number): SeatView {
    const p = this.stepper.positionNow;
    const view: SeatView = { equity: this.stepper.equityNow, cash: this.stepper.cashNow, side: p.side, qty: p.qty, entryPrice: p.entryPrice, entryTime: p.entryTime, barsHeld: p.barsHeld, unrealizedPnl: p.unrealizedPnl };
    if (this.outside) view.signals = this.outside.valuesAt(time + this.tfMs, this.outsideRow);
    return view;
  }

  /** Runs until the session's hours are up, the kill switch, or a hard limit ends it. */
  async run(): Promise<'finished' | 'stopped'> {
    try {
      return await this.runBars();
    } finally {
      this.outside?.close();
      await this.reporter?.settle();
      await this.feed.close?.();
    }
  }

  private async runBars(): Promise<'finished' | 'stopped'> {
    const s = this.store.session;
    const known = this.store.tradeNumbers();
    this.journaledOpen = known.open;
    this.journaledClosed = known.closed;
    const recorded = this.store.bars();
    const noBars = (now: number) => (this.series.length > 0 ? this.series.time[this.series.length - 1]! : Math.floor(now / this.tfMs) * this.tfMs - this.tfMs);
    let replayed = 0;
    if (this.outside) {
      // The latest values before the first bar; the warm-up reads what the run loaded.
      this.outside.poll(await this.feed.time().catch((e: unknown) => {
        throw startFailure(s.exchange, e);
      }));
      await this.outside.settled();
    }
    if (recorded.length > 0) {
      await this.replay(recorded);
      replayed = recorded.length - this.warmup;
      await this.venueAfterRestart().catch((e: unknown) => {
        throw startFailure(s.exchange, e);
      });
    } else {
      await this.warmUp(s.settings.warmupBars).catch((e: unknown) => {
        throw startFailure(s.exchange, e);
      });
    }
    this.emit({ type: 'start', session: this.sessionId, resumed: recorded.length > 0, replayed, warmup: this.warmup, at: Date.now() });
    const endsAt = s.endsAt ?? Infinity;
    for (;;) {
      const stop = this.stopReason();
      if (stop !== null) {
        await this.flattenNow(stop);
        return this.end('stopped', stop);
      }
      if (this.guard.finished) {
        await this.flattenNow(this.guard.current!.why);
        return this.end('stopped', this.guard.current!.why);
      }
      if (this.flattenWanted !== null) {
        const why = this.flattenWanted;
        this.flattenWanted = null;
        await this.flattenNow(why).catch(() => (this.flattenWanted = why));
      }
      let now: number;
      try {
        now = await this.feed.time();
        this.outside?.poll(now);
        const skew = Math.abs(now - Date.now());
        const skewProblem = skew > this.guard.limits.maxClockSkewMs ? `clock skew ${skew} ms with the exchange (limit ${this.guard.limits.maxClockSkewMs} ms)` : null;
        const lastTime = noBars(now);
        // The next bar would close after the end: the session is over.
        if (lastTime + 2 * this.tfMs > endsAt) {
          await this.flattenNow('the session reached its end');
          return this.end('finished', 'the session reached its end');
        }
        const next = lastTime + this.tfMs;
        const closed = await this.closedSince(next, now);
        if (closed.length > 1) this.emit({ type: 'gap', session: this.sessionId, from: next, bars: closed.length });
        for (const c of closed) {
          if (c.time + this.tfMs > endsAt) break;
          await this.barClosed(c, now);
          if (this.stopReason() !== null || this.guard.finished) break;
        }
        this.errors = 0;
        // On the clock of the bars taken, not the exchange's `now`: a venue may publish a bar a
        // moment after it closes, and a week is whole only once its last bar is in the journal.
        this.reporter?.look(this.series.length > 0 ? this.series.time[this.series.length - 1]! + this.tfMs : now);
        const newest = noBars(now);
        const stale = closed.length === 0 && now - (newest + 2 * this.tfMs) > this.guard.limits.staleBars * this.tfMs;
        this.exchangeProblem(skewProblem ?? (stale ? `stale feed: no closed bar since ${new Date(newest + this.tfMs).toISOString()}` : null));
        if (this.stepper.openLots().length > 0) await this.watchForming(now);
        const untilClose = newest + 2 * this.tfMs - now;
        const waitMs = Math.max(5, Math.min(untilClose + 50, this.lookEveryMs));
        await (this.feed.waitForBar && !this.options.sleep ? this.feed.waitForBar(waitMs) : this.sleep(waitMs));
      } catch (e) {
        if (e instanceof VoltError && e.kind !== 'data') throw e;
        this.errors++;
        if (this.errors >= this.guard.limits.maxExchangeErrors) this.exchangeProblem(`${this.errors} exchange errors in a row: ${e instanceof Error ? e.message : String(e)}`);
        await this.sleep(e instanceof RetryLater ? e.waitMs : Math.min(this.lookEveryMs, 250 * this.errors));
      }
    }
  }

  private exchangeProblem(why: string | null): void {
    const before = this.guard.current?.kind === 'exchange' ? this.guard.current.why : null;
    // The same trouble with a new figure (the skew measured again, one more error) is not news:
    // said once when it starts, once when it clears, not at every look.
    if (why === before || (why === null && before === null) || (why !== null && before !== null && troubleOf(why) === troubleOf(before))) return;
    this.guard.exchange(why);
    this.emit({ type: 'exchange', session: this.sessionId, problem: why });
    if (why !== null && this.guard.limits.onExchangeTrouble === 'flatten') this.flattenWanted = `exchange breaker: ${why}`;
  }

  private stopReason(): string | null {
    // The journal's request first: `volt paper stop` and the editor also send SIGTERM, and the
    // reason kept is who pulled the switch, not the signal that woke the session.
    const requested = this.store.stopRequested();
    if (requested !== null) return requested;
    const flag = this.options.stopFlag?.why;
    if (flag) return flag;
    if (this.options.killFile && existsSync(this.options.killFile)) return `kill file ${this.options.killFile}`;
    return null;
  }

  /** Closed candles opening at or after `since`, by the exchange's clock `now`. */
  private async closedSince(since: number, now: number): Promise<Candle[]> {
    const out: Candle[] = [];
    let cursor = since;
    for (;;) {
      const page = await this.feed.candles(cursor, 1000);
      let added = 0;
      for (const c of page) {
        if (c.time < cursor || c.time + this.tfMs > now) continue;
        out.push(c);
        added++;
        cursor = c.time + this.tfMs;
      }
      if (added < 1000) return out;
    }
  }

  private async warmUp(bars: number): Promise<void> {
    if (bars <= 0) return;
    const now = await this.feed.time();
    const lastClosed = Math.floor(now / this.tfMs) * this.tfMs - this.tfMs;
    const since = lastClosed - (bars - 1) * this.tfMs;
    const candles = await this.closedSince(since, now);
    for (const c of candles) await this.warmBar(c);
  }

  /** A warm-up bar: the indicators and the strategy see it; nothing it asks for is traded. */
  private async warmBar(c: Candle): Promise<void> {
    const i = this.append(c);
    this.stepper.step(i);
    await this.strategy.decide(c, this.view(c.time));
    if (!this.replaying) this.store.commit({ bar: { index: i, candle: c, equity: this.stepper.equityNow, position: 0, orders: [] }, events: [], signals: [], opened: [], closed: [], entryFees: this.entryFees });
    this.warmup++;
  }

  private append(c: Candle): number {
    const i = this.series.length;
    if (this.series.append(c)) this.stepper.rebind(this.series);
    return i;
  }

  /** The panel's rows since the last commit (dropped while replaying: the journal has them). */
  private agentStep(): { decisions: import('../journal/journal.js').DecisionRow[]; messages: import('../journal/journal.js').MessageRow[] } | undefined {
    if (!this.panel || !this.agentRows) return undefined;
    this.panel.drainTo(this.agentRows);
    return this.agentRows.take();
  }

  /** A resumed session: every recorded bar again, with the recorded fills and in-bar looks, journaling nothing. */
  private async replay(bars: ReturnType<SessionStore['bars']>): Promise<void> {
    this.replaying = true;
    const events = this.store.events();
    this.pricer.load(events.filter((e) => e.kind === 'fill').map((e) => e.price!));
    const warm = this.store.session.warmupBars;
    let w = 0;
    for (const rec of bars) {
      if (rec.index < warm) {
        await this.warmBar(rec.candle);
        continue;
      }
      for (; w < events.length; w++) {
        const e = events[w]!;
        if (e.kind === 'fill') continue;
        if (e.bar > rec.index) break;
        this.replayEvent(e);
      }
      await this.barClosed(rec.candle, rec.candle.time + this.tfMs, rec.orders);
    }
    // In-bar looks after the last recorded bar (a stop that fired before the kill).
    for (; w < events.length; w++) if (events[w]!.kind !== 'fill') this.replayEvent(events[w]!);
    this.collectTrades();
    this.agentStep();
    this.replaying = false;
    this.signals = [];
    this.events = [];
  }

  /**
   * `volt live` resumed: the venue holds what the journaled orders filled, not what the ledger
   * says (a kill between a bar's commit and its order, or while an order was followed), so the
   * difference is placed now, once.
   */
  private async venueAfterRestart(): Promise<void> {
    const venue = this.options.venue;
    if (venue === undefined) return;
    if (venue.recover) await venue.recover();
    else venue.held = this.stepper.heldQty;
    const n = this.series.length;
    if (n > 0) await this.mirror(n, this.series.time[n - 1]! + this.tfMs, 'resume: the venue brought to the ledger');
  }

  /** An in-bar look that closed a lot, or a flatten, as it happened. */
  private replayEvent(e: RecordedEvent): void {
    if (e.kind === 'watch') this.stepper.watch(e.bar, e.time, e.open!, e.high!, e.low!);
    else if (e.kind === 'flatten') {
      this.stepper.order('exit', { reason: 'flatten' });
      this.stepper.fillNow(e.bar, e.time, e.price!);
    }
  }

  /** One closed bar: step, the strategy's answer, the guard, the fills, the journal. */
  private async barClosed(c: Candle, now: number, recordedOrders?: SeatOrder[]): Promise<void> {
    const started = performance.now();
    const i = this.append(c);
    this.stepper.step(i);
    this.forming = { bar: -1, open: NaN, high: NaN, low: NaN };
    const closeTime = c.time + this.tfMs;
    const halt = this.guard.mark(this.stepper.equityNow, closeTime);
    this.collectTrades();
    const asked = await this.strategy.decide(c, this.view(c.time));
    const decided = performance.now();
    const orders: SeatOrder[] = recordedOrders ?? [];
    if (recordedOrders === undefined) {
      orders.push(...asked);
      if (halt !== null) {
        this.emit({ type: 'halt', session: this.sessionId, kind: halt.kind, why: halt.why });
        if (this.stepper.openLots().length > 0) orders.push({ action: 'exit', order: { reason: halt.why } });
      }
    }
    for (const o of orders) this.stepper.order(o.action, o.order);
    let waited = 0;
    if (this.stepper.pendingOrders > 0) {
      let reference = c.close;
      if (!this.replaying) {
        const asked = performance.now();
        this.book.update(await this.feed.book());
        waited = performance.now() - asked;
        const mid = this.book.mid();
        if (Number.isFinite(mid)) reference = mid;
      }
      const before = this.book.priced.length;
      this.stepper.fillNow(i + 1, closeTime, reference);
      this.recordFills(before, i + 1, closeTime);
    }
    // Bar in → decision → order priced and sent, less the wait for the exchange's book.
    const orderMs = performance.now() - started - waited;
    this.collectTrades();
    const equity = this.stepper.equityNow;
    if (!this.replaying) {
      this.commit({ index: i, candle: c, equity, position: this.stepper.heldQty, orders });
      await this.mirror(i + 1, closeTime, 'bar close');
      this.emit({
        type: 'bar', session: this.sessionId, bar: i - this.warmup, time: c.time, close: c.close, position: this.stepper.heldQty, equity,
        pnlPct: equity / this.store.session.capital - 1, open: this.stepper.openLots().length,
        nextInMs: Math.max(0, closeTime + this.tfMs - now), decideMs: decided - started, orderMs, signals: orders.length,
      });
    }
  }

  private recordFills(before: number, bar: number, time: number): void {
    const priced = this.book.priced;
    for (let k = before; k < priced.length; k++) this.events.push({ kind: 'fill', bar, time, price: priced[k]!, open: null, high: null, low: null });
    // Recorded now (or already in the journal when replaying): a session of hours keeps none.
    priced.length = 0;
  }

  /** Trades opened and closed since the last look: journal, guard, events. */
  private collectTrades(): void {
    const trades = this.stepper.closedTrades;
    for (; this.tradesSeen < trades.length; this.tradesSeen++) {
      const t = trades[this.tradesSeen]!;
      this.guard.tradeClosed(t.pnl, t.exitBar);
      if (!this.replaying) this.emit({ type: 'trade', session: this.sessionId, trade: t, outcome: outcomeOf(t) });
    }
  }

  /** The venue's position follows the ledger's (live); a no-op on paper. */
  private async mirror(bar: number, time: number, reason: string): Promise<void> {
    const venue = this.options.venue;
    if (venue !== undefined && this.stepper.heldQty !== venue.held) await venue.follow(this.stepper.heldQty, bar, time, reason);
  }

  private commit(bar?: { index: number; candle: Candle; equity: number; position: number; orders: SeatOrder[] }): void {
    const opened: OpenLotFacts[] = [];
    for (const lot of this.stepper.openLots()) {
      if (this.journaledOpen.has(lot.id) || this.journaledClosed.has(lot.id)) continue;
      opened.push({ ...lot });
    }
    const closed: Trade[] = [];
    for (const t of this.stepper.closedTrades) {
      if (this.journaledClosed.has(t.id)) continue;
      if (!this.journaledOpen.has(t.id)) opened.push({ id: t.id, side: t.side === 'long' ? 1 : -1, qty: t.qty, entryTime: t.entryTime, entryBar: t.entryBar, entryPrice: t.entryPrice, entryFee: t.fees - exitFee(t, this.store.session.settings.feeRate), stop: t.stopPrice ?? NaN, target: t.takeProfitPrice ?? NaN });
      closed.push(t);
    }
    for (const lot of opened) this.entryFees.set(lot.id, lot.entryFee);
    const agents = this.agentStep();
    this.store.commit({ ...(bar ? { bar } : {}), events: this.events, signals: this.signals, opened, closed, entryFees: this.entryFees, ...(agents ? { agents } : {}) });
    for (const lot of opened) {
      this.journaledOpen.add(lot.id);
      this.emit({ type: 'fill', session: this.sessionId, tradeId: lot.id, side: lot.side === 1 ? 'long' : 'short', qty: lot.qty, price: lot.entryPrice, time: lot.entryTime });
    }
    for (const t of closed) {
      this.journaledOpen.delete(t.id);
      this.journaledClosed.add(t.id);
    }
    for (const s of this.signals) this.emit({ type: 'signal', session: this.sessionId, signal: s });
    this.signals = [];
    this.events = [];
  }

  /** The forming bar, from the ticker: stops and targets inside the bar, journaled when they act. */
  private async watchForming(now: number): Promise<void> {
    const tick = await this.feed.last();
    const last = tick.price;
    const bar = this.series.length;
    // Only a price from inside the forming bar: one from a later bar (the feed behind, an
    // accelerated replay) belongs to bars not yet seen, which step() checks whole.
    const formingOpen = this.series.time[bar - 1]! + this.tfMs;
    if (!(tick.time >= formingOpen && tick.time < formingOpen + this.tfMs)) return;
    now = tick.time;
    const f = this.forming;
    if (f.bar !== bar) {
      f.bar = bar;
      f.open = last;
      f.high = last;
      f.low = last;
    }
    if (last > f.high) f.high = last;
    if (last < f.low) f.low = last;
    // The limits count unrealized P&L between closes too: a loss inside the bar closes the position.
    const halt = this.guard.mark(this.stepper.cashNow + this.stepper.heldQty * last, now);
    if (halt !== null) {
      this.emit({ type: 'halt', session: this.sessionId, kind: halt.kind, why: halt.why });
      this.flattenWanted = halt.why;
    }
    const lots = this.stepper.openLots().length;
    const tradesBefore = this.stepper.closedTrades.length;
    const before = this.book.priced.length;
    this.book.update(await this.feed.book());
    this.stepper.watch(bar, now, f.open, f.high, f.low);
    if (this.stepper.openLots().length === lots) {
      this.book.priced.length = before;
      return;
    }
    this.events.push({ kind: 'watch', bar, time: now, price: null, open: f.open, high: f.high, low: f.low });
    this.recordFills(before, bar, now);
    if (this.stepper.closedTrades.length > tradesBefore) {
      this.collectTrades();
      this.commit();
      await this.mirror(bar, now, 'stop or target');
    }
  }

  /** Closes the position now, outside a bar close (kill switch, exchange breaker). */
  private async flattenNow(why: string): Promise<void> {
    if (this.stepper.openLots().length === 0) return;
    const now = await this.feed.time().catch(() => Date.now());
    const last = await this.feed.last().then((t) => t.price, () => this.series.close[this.series.length - 1]!);
    const bar = this.series.length;
    this.book.update(await this.feed.book().catch(() => ({ bids: [], asks: [] })));
    this.stepper.order('exit', { reason: why });
    const before = this.book.priced.length;
    this.events.push({ kind: 'flatten', bar, time: now, price: last, open: null, high: null, low: null });
    this.stepper.fillNow(bar, now, last);
    this.recordFills(before, bar, now);
    this.collectTrades();
    this.commit();
    await this.mirror(bar, now, why);
  }

  private end(status: 'finished' | 'stopped', reason: string): 'finished' | 'stopped' {
    this.store.end(status, reason);
    this.emit({ type: 'end', session: this.sessionId, status, reason, equity: this.stepper.equityNow, trades: this.stepper.closedTrades.length });
    return status;
  }

  /** For tests and the drift report: the stepper's trades so far. */
  get trades(): readonly Trade[] {
    return this.stepper.closedTrades;
  }
}

/** Which exchange trouble a breaker message names, whatever its figures. */
function troubleOf(why: string): string {
  return why.replace(/[\d.,]+/g, '#');
}

function exitFee(t: Trade, feeRate: number): number {
  return t.qty * t.exitPrice * feeRate;
}
