// The backtest report page. It receives a ReportModel and a ChartModel (src/report-model.ts) from
// the extension and draws them: one TradingView lightweight-charts chart of three panes on one time
// axis (candles with the trades, their stops and targets; equity; drawdown), zoomed and scrolled
// with the mouse; the options book's greeks beneath when the run has them; then the metrics and the
// trades. esbuild bundles this file with the library into dist/media/report.js; under the page's
// strict Content-Security-Policy it builds everything with DOM calls (no HTML strings, no inline
// styles), and the library's logo (an inline <style>) is off: the attribution is the page's footer.
// @ts-check
import { BaselineSeries, CandlestickSeries, createChart, createSeriesMarkers, LineSeries, LineStyle, CrosshairMode } from 'lightweight-charts';

(function () {
  // @ts-ignore acquireVsCodeApi is provided by VS Code inside webviews
  const vscode = acquireVsCodeApi();

  document.addEventListener('securitypolicyviolation', (e) => {
    document.body.dataset.cspViolations = String(Number(document.body.dataset.cspViolations ?? 0) + 1);
    vscode.postMessage({ type: 'cspViolation', directive: e.violatedDirective, blocked: e.blockedURI || 'inline' });
  });

  /** @param {string} name @param {string} fallback */
  function themeColor(name, fallback) {
    const v = getComputedStyle(document.body).getPropertyValue(name).trim();
    return v || fallback;
  }

  /** `#rrggbb` with an alpha; other forms unchanged (the fill is then opaque, still readable). */
  function withAlpha(/** @type {string} */ color, /** @type {string} */ alpha) {
    return /^#[0-9a-f]{6}$/i.test(color) ? `${color}${alpha}` : color;
  }

  /** Drawdown on its axis: '-8.1%', '0%' at the peak (never '-0.0%'). Mirrors drawdownLabel in report-model.ts. */
  function drawdownLabel(/** @type {number} */ percent) {
    const v = Math.abs(percent).toFixed(1);
    return Number(v) === 0 ? '0%' : `-${v}%`;
  }

  /** @type {import('lightweight-charts').IChartApi | undefined} */
  let chart;

  /** @param {any} model the ChartModel */
  function drawChart(model) {
    const host = /** @type {HTMLElement} */ (document.getElementById('price-chart'));
    chart?.remove();
    host.replaceChildren();
    const text = themeColor('--vscode-foreground', '#cccccc');
    const grid = themeColor('--vscode-editorWidget-border', '#80808040');
    const green = themeColor('--vscode-charts-green', '#3fb950');
    const red = themeColor('--vscode-charts-red', '#f85149');
    const blue = themeColor('--vscode-charts-blue', '#58a6ff');
    const orange = themeColor('--vscode-charts-orange', '#d18616');
    const minMove = Math.pow(10, -model.priceDecimals);
    // The whole run fits at first; the wheel zooms in to the candles.
    chart = themedChart(host, model.intraday, text, grid);

    let pane = 0;
    if (model.candles.length > 0) {
      const candles = chart.addSeries(CandlestickSeries, {
        upColor: green, downColor: red, borderVisible: false, wickUpColor: green, wickDownColor: red,
        priceFormat: { type: 'price', precision: model.priceDecimals, minMove },
      }, pane);
      candles.setData(model.candles);
      // Stops and targets count in the price scale, so a trade shown on its own shows its levels.
      const lineOptions = { lineWidth: /** @type {1} */ (2), lineStyle: LineStyle.Dashed, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, priceFormat: { type: /** @type {'price'} */ ('price'), precision: model.priceDecimals, minMove } };
      /** @param {any[]} points @param {string} color */
      const levels = (points, color) => points.map((p) => (p.hidden ? { time: p.time, value: p.value, color: 'transparent' } : { time: p.time, value: p.value, color }));
      if (model.stops.length > 0) chart.addSeries(LineSeries, { ...lineOptions, color: red }, pane).setData(levels(model.stops, red));
      if (model.targets.length > 0) chart.addSeries(LineSeries, { ...lineOptions, color: green }, pane).setData(levels(model.targets, green));
      /** @type {Record<string, { position: 'belowBar' | 'aboveBar', shape: 'arrowUp' | 'arrowDown' | 'circle', color: string }>} */
      const look = {
        'entry-long': { position: 'belowBar', shape: 'arrowUp', color: blue },
        'entry-short': { position: 'aboveBar', shape: 'arrowDown', color: orange },
        'exit-win': { position: 'aboveBar', shape: 'circle', color: green },
        'exit-loss': { position: 'belowBar', shape: 'circle', color: red },
      };
      createSeriesMarkers(candles, model.markers.map((/** @type {any} */ m) => ({ time: m.time, text: m.text, ...look[m.kind] })));
      pane++;
    }
    const equity = chart.addSeries(LineSeries, {
      color: blue, lineWidth: 2, priceLineVisible: false, title: 'equity',
      priceFormat: { type: 'price', precision: 0, minMove: 1 },
    }, pane);
    equity.setData(model.equity);
    // Room above and below, so the top and bottom ticks are not cut by the panes' separators.
    equity.priceScale().applyOptions({ scaleMargins: { top: 0.15, bottom: 0.15 } });
    const drawdown = chart.addSeries(BaselineSeries, {
      baseValue: { type: 'price', price: 0 },
      topLineColor: red, bottomLineColor: red, topFillColor1: 'transparent', topFillColor2: 'transparent',
      bottomFillColor1: withAlpha(red, '33'), bottomFillColor2: withAlpha(red, '77'), lineWidth: 1, priceLineVisible: false, title: 'drawdown',
      priceFormat: { type: 'custom', formatter: drawdownLabel, minMove: 0.1 },
      // Drawdown hangs from zero: the axis always ends at 0% on top.
      autoscaleInfoProvider: (/** @type {() => any} */ original) => {
        const r = original();
        if (r) r.priceRange.maxValue = 0;
        return r;
      },
    }, pane + 1);
    drawdown.setData(model.drawdown);
    drawdown.priceScale().applyOptions({ scaleMargins: { top: 0.1, bottom: 0.1 } });

    const panes = chart.panes();
    const shares = model.candles.length > 0 ? [0.58, 0.24, 0.18] : [0.6, 0.4];
    panes.forEach((p, i) => p.setStretchFactor(shares[i] ?? 0.2));
    host.dataset.panes = String(panes.length);
    host.dataset.candles = String(model.candles.length);
    host.dataset.markers = String(model.markers.length);
    host.dataset.levels = String([...model.stops, ...model.targets].filter((p) => !p.hidden).length);
    chart.timeScale().fitContent();
    const visible = () => {
      const r = chart?.timeScale().getVisibleLogicalRange();
      if (r) host.dataset.visibleBars = String(Math.round(r.to - r.from));
    };
    chart.timeScale().subscribeVisibleLogicalRangeChange(visible);
    visible();
    /** @type {HTMLElement} */ (document.getElementById('price-caption')).textContent = model.caption;
    document.body.dataset.chart = String(Date.now());
  }

  /** @type {import('lightweight-charts').IChartApi | undefined} */
  let greeksChart;

  /** A chart in the editor's theme, panes resizable, the time axis as fine as the data. */
  function themedChart(/** @type {HTMLElement} */ host, /** @type {boolean} */ intraday, /** @type {string} */ text, /** @type {string} */ grid) {
    return createChart(host, {
      autoSize: true,
      layout: {
        background: { color: 'transparent' },
        textColor: text,
        fontFamily: getComputedStyle(document.body).fontFamily,
        attributionLogo: false,
        panes: { separatorColor: grid, enableResize: true },
      },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: { timeVisible: intraday, secondsVisible: false, borderColor: grid, minBarSpacing: 0.01 },
      rightPriceScale: { borderColor: grid },
      localization: { locale: 'en-US' },
    });
  }

  /**
   * The options book's greeks, one pane each on one time axis (small multiples: their units differ,
   * so no two share a scale). No greeks (no `ctx.options`): the section stays hidden, taking no room.
   * @param {any} model the ReportModel's greeks, or undefined
   */
  function drawGreeks(model) {
    const section = /** @type {HTMLElement} */ (document.getElementById('greeks'));
    const host = /** @type {HTMLElement} */ (document.getElementById('greeks-chart'));
    greeksChart?.remove();
    greeksChart = undefined;
    host.replaceChildren();
    section.hidden = !model;
    if (!model) {
      delete host.dataset.series;
      return;
    }
    const text = themeColor('--vscode-foreground', '#cccccc');
    const grid = themeColor('--vscode-editorWidget-border', '#80808040');
    const colors = {
      delta: themeColor('--vscode-charts-blue', '#58a6ff'),
      gamma: themeColor('--vscode-charts-purple', '#a371f7'),
      vega: themeColor('--vscode-charts-orange', '#d18616'),
      theta: themeColor('--vscode-charts-red', '#f85149'),
    };
    greeksChart = themedChart(host, model.intraday, text, grid);
    model.series.forEach((/** @type {any} */ g, /** @type {number} */ pane) => {
      const series = /** @type {import('lightweight-charts').IChartApi} */ (greeksChart).addSeries(LineSeries, {
        color: /** @type {Record<string, string>} */ (colors)[g.key], lineWidth: 2, priceLineVisible: false, title: g.title,
        priceFormat: { type: 'price', precision: g.decimals, minMove: Math.pow(10, -g.decimals) },
      }, pane);
      series.setData(g.points);
      series.priceScale().applyOptions({ scaleMargins: { top: 0.15, bottom: 0.15 } });
    });
    greeksChart.timeScale().fitContent();
    host.dataset.series = String(model.series.length);
    host.dataset.panes = String(greeksChart.panes().length);
    host.dataset.points = model.series.map((/** @type {any} */ g) => g.points.length).join(',');
    /** @type {HTMLElement} */ (document.getElementById('greeks-hedge')).textContent = model.hedge;
    /** @type {HTMLElement} */ (document.getElementById('greeks-legend')).textContent = model.legend;
  }

  /** Zooms the chart to a trade, with as much again on either side, and scrolls up to it. */
  function showTrade(/** @type {{ id: number, entryTime: number, exitTime: number }} */ t) {
    if (!chart) return;
    const span = Math.max(t.exitTime - t.entryTime, 3_600_000);
    const from = /** @type {import('lightweight-charts').UTCTimestamp} */ ((t.entryTime - span) / 1000);
    const to = /** @type {import('lightweight-charts').UTCTimestamp} */ ((t.exitTime + span) / 1000);
    chart.timeScale().setVisibleRange({ from, to });
    document.body.dataset.shownTrade = String(t.id);
    document.getElementById('price-chart')?.scrollIntoView({ block: 'start' });
  }

  /** @param {HTMLElement} row @param {string} text @param {string} [cls] */
  function cell(row, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  /** @param {any} model the ReportModel */
  function draw(model) {
    /** @type {HTMLElement} */ (document.getElementById('title')).textContent = model.title;
    /** @type {HTMLElement} */ (document.getElementById('subtitle')).textContent = model.subtitle;
    setState(undefined);
    drawGreeks(model.greeks);

    const metrics = /** @type {HTMLElement} */ (document.querySelector('#metrics tbody'));
    metrics.replaceChildren();
    for (const m of model.metrics) {
      const row = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = m.label;
      row.appendChild(th);
      cell(row, m.value, 'num');
      cell(row, m.change ?? '', 'change');
      metrics.appendChild(row);
    }

    const trades = /** @type {HTMLElement} */ (document.querySelector('#trades tbody'));
    trades.replaceChildren();
    for (const t of model.trades) {
      const row = document.createElement('tr');
      row.className = t.result;
      row.title = 'Show this trade on the chart';
      row.addEventListener('click', () => showTrade(t));
      cell(row, String(t.id), 'num');
      cell(row, t.side);
      cell(row, t.entry, 'date');
      cell(row, t.exit, 'date');
      cell(row, t.entryPrice, 'num');
      cell(row, t.exitPrice, 'num');
      cell(row, t.pnl, 'num pnl');
      cell(row, t.pnlPct, 'num');
      cell(row, t.exitReason);
      trades.appendChild(row);
      // The strategy's reason reads under its trade, across the row: no column of its own to
      // widen the table in a side column, and nothing at all when there is none.
      if (model.showReason && t.reason) {
        const why = document.createElement('tr');
        why.className = `reason ${t.result}`;
        const td = document.createElement('td');
        td.colSpan = 9;
        td.textContent = t.reason;
        why.appendChild(td);
        trades.appendChild(why);
      }
    }
    /** @type {HTMLElement} */ (document.getElementById('trades-title')).textContent =
      model.tradeCount > model.trades.length
        ? `Trades (latest ${model.trades.length} of ${model.tradeCount})`
        : `Trades (${model.tradeCount})`;
    document.body.dataset.drawn = String(Date.now());
    vscode.postMessage({ type: 'drawn', points: model.time.length, trades: model.tradeCount });
  }

  /** @param {{ state: string, message?: string } | undefined} s */
  function setState(s) {
    const el = /** @type {HTMLElement} */ (document.getElementById('state'));
    if (!s || s.state === 'done') {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    el.className = `state ${s.state}`;
    el.textContent = s.message ?? (s.state === 'running' ? 'Backtesting…' : `Backtest ${s.state}`);
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'report') draw(message.model);
    else if (message.type === 'chart') drawChart(message.chart);
    else if (message.type === 'state') setState(message);
  });
  vscode.postMessage({ type: 'ready' });
})();
