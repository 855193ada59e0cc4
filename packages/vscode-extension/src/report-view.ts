/**
 * The backtest report: a webview with the equity curve, the drawdown, the options book's greeks
 * (when the strategy used `ctx.options`), the metrics table and the trades. It keeps the symbol
 * and date range the trader picked, and when the sidecar reports that a save's backtest of the
 * same file finished, it runs that range again so the view follows the code.
 *
 * The price chart's candles come from the sidecar (volt/bars, the same data and range the run used),
 * after the metrics and trades are shown: a slow or failed load costs only the candles.
 *
 * The page runs under a strict Content-Security-Policy: nothing remote, one nonce'd script from the
 * extension (dist/media/report.js: media/report.js bundled with TradingView's lightweight-charts,
 * which draws on canvases), styles only from the extension.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { BacktestParams, BacktestResult, BacktestStatusParams, BarsParams, BarsResult } from '@volt/lsp-server/protocol';
import { chartModel, instrumentDecimals, reportModel, type ChartModel, type ReportModel } from './report-model.js';
import { errorText, plainPaths } from './user-text.js';

/** Messages from the page. */
export type ReportViewMessage =
  | { type: 'ready' }
  | { type: 'drawn'; points: number; trades: number }
  | { type: 'cspViolation'; directive: string; blocked: string };

/** Messages to the page. */
export type ReportPageMessage =
  | { type: 'report'; model: ReportModel }
  | { type: 'chart'; chart: ChartModel }
  | { type: 'state'; state: 'running' | 'failed' | 'cancelled' | 'done'; message?: string };

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function reportHtml(options: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}">
<title>Volt backtest</title>
</head>
<body>
<header><h1 id="title">Volt backtest</h1><p id="subtitle"></p><p id="state" class="state" hidden></p></header>
<section class="charts">
  <figure>
    <figcaption>Price, equity and drawdown <span id="price-caption" class="caption"></span></figcaption>
    <div id="price-chart" class="price-chart" role="img" aria-label="Candles with the trades, equity and drawdown on one time axis"></div>
    <p class="legend">▲ long entry · ▼ short entry · ● exit (green a win, red a loss) · dashed: stop (red) and target (green) · wheel to zoom, drag to pan; click a trade to see it</p>
  </figure>
</section>
<section id="greeks" class="charts" hidden>
  <figure>
    <figcaption>Greeks <span id="greeks-hedge" class="caption"></span></figcaption>
    <div id="greeks-chart" class="greeks-chart" role="img" aria-label="The options book's delta, gamma, vega per vol point and theta per day at each close"></div>
    <p id="greeks-legend" class="legend"></p>
  </figure>
</section>
<section><h2>Metrics</h2><table id="metrics"><tbody></tbody></table></section>
<section><h2 id="trades-title">Trades</h2>
<div class="table-scroll"><table id="trades"><thead><tr><th>#</th><th>Side</th><th>Entry</th><th>Exit</th><th>Entry price</th><th>Exit price</th><th>P&amp;L</th><th>P&amp;L %</th><th>Exit by</th></tr></thead><tbody></tbody></table></div>
</section>
<footer>Charts by TradingView Lightweight Charts™ (tradingview.com)</footer>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}

/** What the view needs to run a backtest again (the sidecar call lives in commands.ts). */
export type RunBacktest = (params: BacktestParams) => Promise<BacktestResult | undefined>;
/** The sidecar's volt/bars. */
export type LoadBars = (params: BarsParams) => Promise<BarsResult>;

/** Candles the chart asks for: more would be thinner than a pixel in a side column; a longer run
 * comes as wider candles (volt/bars downsamples). */
export const CHART_MAX_BARS = 2000;

/** The volt/bars request for the candles a run used: its data spec over its first to last bar. */
export function barsParamsFor(result: BacktestResult): BarsParams {
  return { data: result.summary.data, from: result.report.data.from, to: result.report.data.to, maxBars: CHART_MAX_BARS };
}

export class ReportView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private shown: { params: BacktestParams; finishedAt: number } | undefined;
  private pageReady = false;
  private pending: ReportPageMessage[] = [];
  private rerunning = false;
  /** Counts shown results, so candles that arrive for an older one are dropped. */
  private showing = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.OutputChannel,
    private readonly rerun: RunBacktest,
    private readonly loadBars: LoadBars,
  ) {}

  /** The URI of the strategy the open report is about, if a report is open. */
  get strategyUri(): string | undefined {
    return this.panel ? this.shown?.params.uri : undefined;
  }

  /**
   * Shows a run: the panel at once, then (once the candles are in, which also fix the instrument's
   * price decimals) the report and its chart. Without candles the report shows anyway, its chart
   * with equity and drawdown alone and why.
   */
  async show(result: BacktestResult, params: BacktestParams): Promise<void> {
    this.shown = { params: { ...params, uri: result.uri }, finishedAt: result.summary.finishedAt };
    const showing = ++this.showing;
    const panel = this.panel ?? this.createPanel();
    panel.title = `Volt: ${result.report.strategy.name}`;
    panel.reveal(panel.viewColumn ?? vscode.ViewColumn.Beside, true);
    let bars: BarsResult | undefined;
    let failure: string | undefined;
    try {
      bars = await this.loadBars(barsParamsFor(result));
    } catch (error) {
      failure = errorText(error);
      this.output.appendLine(`Report view: no candles for ${result.summary.data}: ${failure}`);
    }
    // A newer run was shown meanwhile, or the panel closed: these candles are no one's.
    if (showing !== this.showing || !this.panel) return;
    const decimals = instrumentDecimals(result, bars);
    this.post({ type: 'report', model: reportModel(result, decimals) });
    this.post({ type: 'chart', chart: chartModel(result, bars, failure, decimals) });
  }

  /** A backtest of some file started or ended (on save, or by command). */
  backtestStatus(status: BacktestStatusParams): void {
    if (!this.panel || !this.shown || status.uri !== this.shown.params.uri) return;
    if (status.state !== 'done') {
      this.post({ type: 'state', state: status.state, message: status.message === undefined ? undefined : plainPaths(status.message) });
      return;
    }
    // Our own runs finish with the same finishedAt as the result we are showing: nothing new.
    const finishedAt = status.summary?.finishedAt ?? 0;
    if (this.rerunning || finishedAt <= this.shown.finishedAt) return;
    void this.refresh();
  }

  /** Runs the shown symbol and range again and shows the new report. */
  async refresh(): Promise<void> {
    if (!this.shown) return;
    this.rerunning = true;
    this.post({ type: 'state', state: 'running', message: 'The strategy changed: running the backtest again…' });
    try {
      const result = await this.rerun(this.shown.params);
      if (result && this.panel) await this.show(result, this.shown.params);
    } catch (error) {
      this.post({ type: 'state', state: 'failed', message: errorText(error) });
    } finally {
      this.rerunning = false;
    }
  }

  private createPanel(): vscode.WebviewPanel {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const bundled = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel('volt.report', 'Volt backtest', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [media, bundled],
      retainContextWhenHidden: true,
    });
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = reportHtml({
      cspSource: panel.webview.cspSource,
      nonce,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(bundled, 'report.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'report.css')).toString(),
    });
    panel.webview.onDidReceiveMessage((message: ReportViewMessage) => this.received(message), undefined, this.disposables);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        this.shown = undefined;
        this.pageReady = false;
        this.pending = [];
      },
      undefined,
      this.disposables,
    );
    this.panel = panel;
    return panel;
  }

  private received(message: ReportViewMessage): void {
    switch (message.type) {
      case 'ready':
        this.pageReady = true;
        for (const m of this.pending.splice(0)) void this.panel?.webview.postMessage(m);
        break;
      case 'drawn':
        this.output.appendLine(`Report view drawn: ${message.points} equity points, ${message.trades} trades`);
        break;
      case 'cspViolation':
        // Should never happen; if it does, the log says what was blocked so it can be fixed.
        this.output.appendLine(`Report view: Content-Security-Policy blocked ${message.blocked} (${message.directive})`);
        break;
    }
  }

  private post(message: ReportPageMessage): void {
    // Messages sent before the page's script runs are lost, so they wait for its 'ready'.
    if (this.pageReady && this.panel) void this.panel.webview.postMessage(message);
    else if (message.type === 'report') this.pending = [message];
    else this.pending.push(message);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
