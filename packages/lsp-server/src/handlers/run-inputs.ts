/**
 * What a run is of: which market (asked-for data, the symbol's mapped or cached data, or the
 * synthetic market, said so), its candles cut to the range asked for, the backtest options and the
 * agents' panel that agents.mode asks for; and volt/symbols, the markets a picker may offer.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  declaredSymbol,
  gatewayFromConfig,
  isVoltError,
  EXCHANGE_CACHE_DIR,
  learningInputs,
  loadVolatilityInputs,
  resolveOptionChainSpec,
  type OptionChainData,
  sliceSeries,
  symbolData,
  symbolsWithData,
  type BacktestOptions,
  type CandleSeries,
  type OllamaGateway,
  type RunOutcome,
  type StrategyRunRequest,
  type TranspiledStrategy,
  type TrackRecordRow,
  type LoadedVolatility,
  volatilitySources,
} from '@volt/engine';
import type { BacktestParams, SymbolsParams, SymbolsResult } from '../protocol.js';
import { SeriesCache } from '../service/series-cache.js';
import { placeOf, toEpochMs } from '../params.js';
import type { DataFacts, WorkspaceState } from '../workspace.js';

/** Every symbol a strategy's source declares (`symbols: ['BTC/USDT', 'ETH/USDT']`). */
function declaredSymbols(source: string): string[] {
  const list = /\bsymbols\s*:\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '';
  return [...list.matchAll(/(['"`])([^'"`]+)\1/g)].map((m) => m[2]!);
}

export interface Market {
  spec: string;
  /** The symbol the candles are of, when the data was found for it. */
  symbol?: string;
  note?: string;
}

export interface Prepared {
  series: CandleSeries;
  options: BacktestOptions;
  agents: StrategyRunRequest['agents'];
}

export type RunFailureOf = Extract<RunOutcome, { status: 'failed' }>['failure'];


export class RunInputs {
  private readonly series = new SeriesCache();
  /** The agents' volatility inputs, read again when a file they come from changes. */
  private volatility: { key: string; inputs: Promise<LoadedVolatility> } | undefined;
  private chain: { key: string; data: Promise<OptionChainData> } | undefined;
  private gateway: OllamaGateway | undefined;

  constructor(private readonly state: WorkspaceState) {}

  /** Host, timeout or models may have changed: the next run with LLM seats makes a new gateway. */
  configure(): void {
    this.gateway = undefined;
  }

  /** The default data's facts (VOLT107 judges warm-up against its bar count). */
  async dataFacts(spec: string): Promise<DataFacts> {
    const s = await this.series.get(spec, this.state.root);
    return { bars: s.length, symbol: s.symbol, timeframe: s.timeframe, source: s.source };
  }

  /** volt/symbols: what a symbol picker may offer, only markets that have data (and the strategy's own). */
  symbols(params: SymbolsParams): SymbolsResult {
    const config = this.state.config;
    const found = symbolsWithData(config.data.symbols, this.state.root);
    const out: SymbolsResult['symbols'] = found.map((f) => ({ symbol: f.symbol, data: f.spec, source: f.source === 'config' ? 'config' : 'cache' }));
    const declared = params.uri !== undefined ? declaredSymbols(this.state.documentText(params.uri)) : [];
    for (const symbol of declared.reverse()) {
      if (out.some((o) => o.symbol === symbol)) continue;
      out.unshift({ symbol, data: config.data.default, source: 'declared' });
    }
    return { symbols: out };
  }

  /**
   * Which market a run tests. Asked-for data first; else the symbol asked for, or the strategy's
   * first declared one, through data.symbols and the exchange cache; a symbol asked for that has
   * no data runs on the synthetic market and says so (it is never just a label on other candles);
   * else the workspace's default data.
   */
  marketOf(params: BacktestParams | undefined, bundle: TranspiledStrategy): Market {
    const config = this.state.config;
    if (params?.data !== undefined) return { spec: params.data };
    const symbol = params?.symbol ?? declaredSymbol(bundle.source);
    if (symbol === undefined) return { spec: config.data.default };
    const synthetic = config.data.default.startsWith('synthetic:') ? config.data.default : 'synthetic:42';
    const found = symbolData(symbol, config.data.symbols, this.state.root, synthetic);
    if (found.source !== 'synthetic') return { spec: found.spec, symbol };
    if (params?.symbol === undefined) return { spec: config.data.default };
    return { spec: found.spec, note: `no data for ${symbol} (data.symbols of volt.config.json, or \`volt data fetch\` into the exchange cache): this ran on the synthetic market` };
  }

  /** The data for a run: its market, cut to the range volt.backtest asked for. */
  async prepare(market: Market, params: BacktestParams | undefined): Promise<Prepared | { failure: RunFailureOf }> {
    const config = this.state.config;
    try {
      let series = await this.series.get(market.spec, this.state.root);
      // The candles are of this market: named so in the report and the journal.
      if (market.symbol !== undefined) series = { ...series, symbol: market.symbol };
      const from = params?.from !== undefined ? toEpochMs(params.from, 'from') : undefined;
      const to = params?.to !== undefined ? toEpochMs(params.to, 'to') : undefined;
      if (from !== undefined || to !== undefined) series = sliceSeries(series, from, to === undefined ? undefined : to + 1);
      const options: BacktestOptions = {
        capital: config.backtest.capital,
        feeRate: config.backtest.feeRate,
        slippage: config.backtest.slippage,
        maxPositionCap: config.risk.maxPositionPct,
      };
      const chain = await this.optionChain();
      if (chain) options.optionChain = chain;
      // As `volt backtest` does: outside signals from the journal's cache (else agents.signals'
      // fixtures) and, with agents.trackRecord.carry, the track records the panel starts from.
      // A journal that cannot be read (locked past its timeout, damaged) costs the run its learning, not the run.
      let learning: ReturnType<typeof learningInputs> = { signals: {} };
      try {
        learning = learningInputs(config, this.state.journalPath(), series.symbol);
      } catch (e) {
        this.state.log(`journal: the track records and cached signals were not read: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (Object.keys(learning.signals).length > 0) options.signals = learning.signals;
      return { series, options, agents: await this.agents(learning.trackRecords) };
    } catch (e) {
      return { failure: { kind: 'data', message: e instanceof Error ? e.message : String(e), ...(isVoltError(e) ? placeOf(e) : {}) } };
    }
  }

  /** backtest.optionsChain: read again when the file (or the cache folder of deribit:…) changes. */
  private async optionChain(): Promise<OptionChainData | undefined> {
    const spec = this.state.config.backtest.optionsChain;
    if (spec === undefined) return undefined;
    const root = this.state.root;
    const watched = /^deribit:/i.test(spec) ? path.join(root, EXCHANGE_CACHE_DIR) : spec;
    const key = `${spec}@${await stat(watched).then((s) => s.mtimeMs, () => 'missing')}`;
    if (this.chain?.key !== key) {
      this.chain = { key, data: resolveOptionChainSpec(spec, { cwd: root, onNote: (m) => this.state.log(m) }) };
      this.chain.data.catch(() => (this.chain = undefined));
    }
    return this.chain.data;
  }

  /** agents.mode applies in the editor as on the command line: every entry through the panel. */
  private async agents(trackRecords: TrackRecordRow[] | undefined): Promise<StrategyRunRequest['agents']> {
    const config = this.state.config;
    const mode = config.agents.mode;
    if (mode !== 'rules' && mode !== 'ollama') return undefined;
    // The same inputs as volt backtest reads from agents.* (the VIX, its term structure, implied vol, events).
    const root = this.state.root;
    const sources = volatilitySources(config.agents, {}, root);
    const stamps = await Promise.all(
      Object.values(sources).map(async ({ spec }) => `${spec}@${spec.startsWith('exchange:') ? '' : await stat(spec).then((s) => s.mtimeMs, () => 'missing')}`),
    );
    const key = stamps.join('|');
    if (this.volatility?.key !== key) this.volatility = { key, inputs: loadVolatilityInputs(sources, { cwd: root, onNotice: (m) => this.state.log(m) }) };
    const volatility = await this.volatility.inputs;
    if (mode === 'ollama') {
      const cache = this.state.journalCache();
      this.gateway ??= gatewayFromConfig(config.ollama, { ...(cache ? { cache } : {}), onNotice: (m) => this.state.log(m) });
    }
    return { mode, config, ...volatility, journaled: true, ...(trackRecords ? { trackRecords } : {}), ...(mode === 'ollama' && this.gateway ? { gateway: this.gateway } : {}) };
  }

}
