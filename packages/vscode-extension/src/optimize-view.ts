/**
 * Volt: Optimize Strategy and its report. The command asks the sidecar's volt/optimize (a preset
 * picked from three), shows its progress in a cancellable notification (volt/optimizeProgress),
 * and opens the report: a heatmap of two params' objective, the walk-forward table and the
 * overfitting figures. The best out-of-sample params are then a code action (the lightbulb) on
 * the strategy's `params` block, which the sidecar offers.
 *
 * The page is static HTML without a script: the heatmap is an SVG whose cells carry their colour
 * as a `fill` attribute, so the Content-Security-Policy needs no script and no inline style.
 */
import * as vscode from 'vscode';
import type { OptimizeParams, OptimizeProgressParams, OptimizeResult } from '@volt/lsp-server/protocol';
import { errorText, plainPaths } from './user-text.js';

export interface OptimizeCalls {
  optimize(params: OptimizeParams, token?: vscode.CancellationToken): Promise<OptimizeResult>;
  onOptimizeProgress(listener: (p: OptimizeProgressParams) => void): vscode.Disposable;
}

export const OPTIMIZE_PRESETS: { label: string; description: string; params: Omit<OptimizeParams, 'uri'> }[] = [
  { label: 'Walk-forward', description: 'TPE, 100 trials per search, 4 rolling folds', params: { method: 'tpe', trials: 100, folds: 4 } },
  { label: 'Quick', description: 'TPE, 100 trials, no walk-forward', params: { method: 'tpe', trials: 100, folds: 0 } },
  { label: 'Thorough', description: 'random, 500 trials per search, 4 rolling folds', params: { method: 'random', trials: 500, folds: 4 } },
];

export function optimizeCsp(cspSource: string): string {
  return ["default-src 'none'", `style-src ${cspSource}`, `img-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A score as the CLI prints it; +∞ travels as null in JSON, so a passing cell that is null is unbounded only when counted as such upstream. */
export function scoreText(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (x === Infinity) return '∞';
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const params = (p: Record<string, number>): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/**
 * A cell's colour: red below zero, green above, stronger towards the extremes of the map; grey
 * where no trial passed. Diverging around zero because the sign of a Sharpe is what matters first.
 */
export function heatColor(score: number | null, low: number, high: number): string {
  if (score === null) return '#8885';
  const s = Number.isFinite(score) ? score : high;
  const t = s >= 0 ? (high > 0 ? Math.min(1, s / high) : 0) : low < 0 ? Math.min(1, s / low) : 0;
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  // From a pale neutral to the theme-independent green or red.
  const [r, g, b] = s >= 0 ? [mix(0xe8, 0x1a), mix(0xe8, 0x9c), mix(0xe8, 0x4a)] : [mix(0xe8, 0xc6), mix(0xe8, 0x28), mix(0xe8, 0x28)];
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

function heatmapSvg(h: NonNullable<OptimizeResult['heatmap']>, objective: string): string {
  const cw = 48;
  const ch = 26;
  const left = 64;
  const top = 8;
  const rows = h.scores.length;
  const finite = h.scores.flat().filter((s): s is number => s !== null && Number.isFinite(s));
  const low = Math.min(0, ...finite);
  const high = Math.max(0, ...finite);
  const width = left + cw * h.xValues.length + 8;
  const height = top + ch * rows + 40;
  const out: string[] = [`<svg id="heatmap" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(`${objective} over ${h.x}${h.y ? ` and ${h.y}` : ''}`)}">`];
  for (let i = 0; i < rows; i++) {
    // Row 0 is the lowest value of y: drawn at the bottom, as on a chart.
    const y = top + (rows - 1 - i) * ch;
    if (h.y) out.push(`<text x="${left - 6}" y="${y + ch / 2 + 4}" text-anchor="end" class="axis">${h.yValues[i]}</text>`);
    for (let j = 0; j < h.xValues.length; j++) {
      const score = h.scores[i]![j]!;
      const count = h.counts[i]![j]!;
      const x = left + j * cw;
      out.push(`<rect class="cell" x="${x}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="${heatColor(score, low, high)}" data-score="${score ?? ''}" data-trials="${count}"><title>${esc(`${h.x}=${h.xValues[j]}${h.y ? ` ${h.y}=${h.yValues[i]}` : ''}: ${count === 0 ? 'not tried' : `${objective} ${scoreText(score)} (best of ${count})`}`)}</title></rect>`);
      if (count > 0) out.push(`<text x="${x + cw / 2}" y="${y + ch / 2 + 4}" text-anchor="middle" class="value">${scoreText(score)}</text>`);
    }
  }
  const bottom = top + rows * ch;
  for (let j = 0; j < h.xValues.length; j++) out.push(`<text x="${left + j * cw + cw / 2}" y="${bottom + 14}" text-anchor="middle" class="axis">${h.xValues[j]}</text>`);
  out.push(`<text x="${left + (cw * h.xValues.length) / 2}" y="${bottom + 32}" text-anchor="middle" class="label">${esc(h.x)}</text>`);
  if (h.y) out.push(`<text x="12" y="${top + (ch * rows) / 2}" class="label" transform="rotate(-90 12 ${top + (ch * rows) / 2})" text-anchor="middle">${esc(h.y)}</text>`);
  out.push('</svg>');
  return out.join('');
}

/** The report page of one sweep. */
export function optimizeHtml(r: OptimizeResult, options: { cspSource: string; styleUri: string }): string {
  const res = r.result;
  const objective = res.objective;
  const parts: string[] = [];
  parts.push(`<header><h1 id="title">${esc(r.strategy.name)}: optimisation</h1>`);
  parts.push(`<p id="subtitle" class="dim">sweep ${r.sweep} · ${esc(r.data.symbol)} ${esc(r.data.timeframe)} · ${esc(plainPaths(r.data.spec))}${r.data.synthetic ? ' (synthetic data)' : ''} · ${r.data.bars.toLocaleString('en-US')} bars ${day(r.data.from)} → ${day(r.data.to)} · ${res.method}, ${res.trials.total} trials (${res.trials.failing} failing), objective ${esc(objective)}</p>`);
  parts.push(`<p id="verdict" class="verdict">${esc(res.verdict)}</p>`);
  for (const w of res.warnings) parts.push(`<p class="warning">warning: ${esc(w)}</p>`);
  parts.push('</header>');
  if (r.apply) {
    parts.push(`<section><h2>Params to take</h2><p id="apply"><code>${esc(params(r.apply.params))}</code> · ${r.apply.source === 'out-of-sample' ? `the best out-of-sample fold (${r.apply.fold})` : 'the best in-sample: run with walk-forward folds to see them out of sample'}. The lightbulb on the strategy's <code>params</code> block writes them.</p></section>`);
  }
  if (r.heatmap) {
    parts.push(`<section><h2>Heatmap: ${esc(objective)} over ${esc(r.heatmap.x)}${r.heatmap.y ? ` and ${esc(r.heatmap.y)}` : ''}</h2><p class="dim">Each cell shows the best trial of the whole-series search with those values (the other params vary); grey: no trial there passed.</p>${heatmapSvg(r.heatmap, objective)}</section>`);
  }
  if (res.best) {
    const rows = res.top.map((t) => `<tr><td class="num">${scoreText(t.score)}</td><td class="num">${signed(t.metrics.totalReturn)}</td><td class="num">${pct(t.metrics.maxDrawdown)}</td><td class="num">${t.metrics.trades}</td><td>${esc(params(t.params))}</td></tr>`);
    parts.push(`<section><h2>Best in-sample</h2><table id="top"><thead><tr><th>${esc(objective)}</th><th>Return</th><th>Max DD</th><th>Trades</th><th>Params</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`);
  }
  const wf = res.walkForward;
  if (wf) {
    const rows = wf.folds.map((f) => `<tr><td class="num">${f.fold}</td><td>${day(f.train.from)} → ${day(f.train.to ?? r.data.to)}</td><td>${day(f.test.from)} → ${day(f.test.to ?? r.data.to)}</td><td class="num">${scoreText(f.inSample.score)}</td><td class="num">${scoreText(f.outOfSample.score)}</td><td class="num">${f.outOfSample.metrics ? signed(f.outOfSample.metrics.totalReturn) : '—'}</td><td class="num">${f.outOfSample.metrics ? f.outOfSample.metrics.trades : '—'}</td><td>${esc(Object.keys(f.params).length > 0 ? params(f.params) : (f.outOfSample.error ?? '—'))}</td></tr>`);
    parts.push(`<section><h2>Walk-forward (${wf.mode}, ${wf.folds.length} folds)</h2><table id="walk-forward"><thead><tr><th>Fold</th><th>Train</th><th>Test</th><th>IS ${esc(objective)}</th><th>OOS ${esc(objective)}</th><th>OOS return</th><th>OOS trades</th><th>Params chosen</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
    parts.push(`<p class="dim">mean ${esc(objective)} ${scoreText(wf.meanInSample)} in-sample, ${scoreText(wf.meanOutOfSample)} out-of-sample; walk-forward efficiency ${Number.isFinite(wf.efficiency) ? pct(wf.efficiency) : '—'}</p></section>`);
  }
  const figures: string[] = [];
  if (res.deflatedSharpe) figures.push(`<tr><th>Deflated Sharpe ratio</th><td class="num">${res.deflatedSharpe.probability.toFixed(2)}</td><td class="dim">best Sharpe ${res.deflatedSharpe.sharpe.toFixed(3)} per period against ${res.deflatedSharpe.expectedMaxSharpe.toFixed(3)} expected from the best of ${res.deflatedSharpe.trials} unskilled trials</td></tr>`);
  if (res.overfitting) figures.push(`<tr><th>Probability of backtest overfitting</th><td class="num">${pct(res.overfitting.probability)}</td><td class="dim">CSCV, ${res.overfitting.blocks} blocks, ${res.overfitting.splits.toLocaleString('en-US')} splits</td></tr>`);
  const mc = res.monteCarlo;
  if (mc) {
    figures.push(`<tr><th>Monte Carlo, shuffled trades</th><td class="num">${pct(mc.shuffle.maxDrawdown.p95)}</td><td class="dim">max drawdown at the 95th percentile (median ${pct(mc.shuffle.maxDrawdown.p50)}), ${mc.runs} runs of ${mc.trades} trades</td></tr>`);
    figures.push(`<tr><th>Monte Carlo, bootstrap</th><td class="num">${pct(mc.bootstrap.probabilityOfLoss)}</td><td class="dim">probability of a loss; return ${signed(mc.bootstrap.totalReturn.p5)} / ${signed(mc.bootstrap.totalReturn.p50)} / ${signed(mc.bootstrap.totalReturn.p95)} (5th / 50th / 95th)</td></tr>`);
  }
  if (figures.length > 0) parts.push(`<section><h2>Overfitting</h2><table id="overfitting"><tbody>${figures.join('')}</tbody></table></section>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${optimizeCsp(options.cspSource)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${options.styleUri}">
<title>Volt optimisation</title>
</head>
<body data-sweep="${r.sweep}">
${parts.join('\n')}
</body>
</html>`;
}

export class OptimizeView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(result: OptimizeResult): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('volt.optimize', 'Volt optimisation', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false, localResourceRoots: [media] });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    const panel = this.panel;
    panel.title = `Volt: optimise ${result.strategy.name}`;
    panel.webview.html = optimizeHtml(result, { cspSource: panel.webview.cspSource, styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'optimize.css')).toString() });
    panel.reveal(panel.viewColumn ?? vscode.ViewColumn.Beside, true);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

/** Volt: Optimize Strategy on the active (or picked) strategy. */
export async function optimizeStrategy(
  sidecar: OptimizeCalls,
  view: OptimizeView,
  output: vscode.OutputChannel,
  uri: vscode.Uri,
): Promise<OptimizeResult | undefined> {
  const preset = await vscode.window.showQuickPick(OPTIMIZE_PRESETS, { title: 'Volt: optimise how?', ignoreFocusOut: true });
  if (!preset) return undefined;
  const name = vscode.workspace.asRelativePath(uri);
  const token = `${Date.now()}-${Math.random()}`;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Volt: optimising ${name}`, cancellable: true },
      async (progress, cancel) => {
        let shown = 0;
        const listening = sidecar.onOptimizeProgress((p) => {
          if (p.token !== token || p.total === 0) return;
          const percent = (100 * p.done) / p.total;
          const best = p.best ? ` · best ${scoreText(p.best.score)} (${params(p.best.params)})` : '';
          progress.report({ increment: percent - shown, message: `${p.done}/${p.total} trials${best}` });
          shown = percent;
        });
        try {
          return await sidecar.optimize({ uri: uri.toString(), ...preset.params, token }, cancel);
        } finally {
          listening.dispose();
        }
      },
    );
    output.appendLine(`Optimise ${name}: sweep ${result.sweep}, ${result.result.verdict}`);
    view.show(result);
    const take = result.apply ? ` Best${result.apply.source === 'out-of-sample' ? ' out-of-sample' : ''}: ${params(result.apply.params)} (the lightbulb on params applies them).` : '';
    void vscode.window.showInformationMessage(`Volt: sweep ${result.sweep} of ${name}: ${result.result.verdict}.${take}`);
    return result;
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: optimising ${name} failed: ${errorText(error)}`);
    return undefined;
  }
}
