// The backtest report page. It receives a ReportModel (src/report-model.ts) from the extension and
// draws it: SVG charts built with DOM calls (no HTML strings, no inline styles, so the page's strict
// Content-Security-Policy holds), the metrics table and the trades.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by VS Code inside webviews
  const vscode = acquireVsCodeApi();
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 800;
  const HEIGHT = 220;
  const PAD = { left: 64, right: 12, top: 10, bottom: 24 };

  document.addEventListener('securitypolicyviolation', (e) => {
    document.body.dataset.cspViolations = String(Number(document.body.dataset.cspViolations ?? 0) + 1);
    vscode.postMessage({ type: 'cspViolation', directive: e.violatedDirective, blocked: e.blockedURI || 'inline' });
  });

  /** @param {string} tag @param {Record<string, string | number>} attrs */
  function svgEl(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  }

  /** @param {number} ms */
  function day(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  /**
   * @param {SVGSVGElement} svg
   * @param {number[]} time
   * @param {number[]} values
   * @param {{ kind: 'equity' | 'drawdown', label: (v: number) => string }} opts
   */
  function chart(svg, time, values, opts) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    const n = Math.min(time.length, values.length);
    if (n < 2) {
      const t = svgEl('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'axis-label' });
      t.textContent = 'Not enough bars to draw';
      svg.appendChild(t);
      return 0;
    }
    const t0 = time[0];
    const t1 = time[n - 1];
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    if (opts.kind === 'drawdown') {
      lo = 0;
      hi = Math.max(hi, 0.0001);
    } else if (hi === lo) {
      hi = lo + 1;
      lo = lo - 1;
    }
    const x = (/** @type {number} */ t) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - PAD.left - PAD.right);
    // Drawdown hangs down from zero at the top; equity rises upwards.
    const y = (/** @type {number} */ v) =>
      opts.kind === 'drawdown'
        ? PAD.top + ((v - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom)
        : HEIGHT - PAD.bottom - ((v - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);

    for (let k = 0; k <= 4; k++) {
      const v = lo + ((hi - lo) * k) / 4;
      const yy = y(v);
      svg.appendChild(svgEl('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: yy, y2: yy, class: 'grid' }));
      const label = svgEl('text', { x: PAD.left - 6, y: yy + 4, 'text-anchor': 'end', class: 'axis-label' });
      label.textContent = opts.label(v);
      svg.appendChild(label);
    }
    for (const [t, anchor] of /** @type {const} */ ([[t0, 'start'], [(t0 + t1) / 2, 'middle'], [t1, 'end']])) {
      const label = svgEl('text', { x: x(t), y: HEIGHT - 6, 'text-anchor': anchor, class: 'axis-label' });
      label.textContent = day(t);
      svg.appendChild(label);
    }

    let d = '';
    for (let i = 0; i < n; i++) d += `${i === 0 ? 'M' : 'L'}${x(time[i]).toFixed(1)},${y(values[i]).toFixed(1)}`;
    if (opts.kind === 'drawdown') {
      const area = `${d}L${x(t1).toFixed(1)},${y(0).toFixed(1)}L${x(t0).toFixed(1)},${y(0).toFixed(1)}Z`;
      svg.appendChild(svgEl('path', { d: area, class: 'drawdown-area' }));
    } else {
      svg.appendChild(svgEl('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(values[0]), y2: y(values[0]), class: 'baseline' }));
    }
    svg.appendChild(svgEl('path', { d, class: `${opts.kind}-line series` }));
    return n;
  }

  /** @param {HTMLElement} row @param {string} text @param {string} [cls] */
  function cell(row, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  /** @param {any} model */
  function draw(model) {
    /** @type {HTMLElement} */ (document.getElementById('title')).textContent = model.title;
    /** @type {HTMLElement} */ (document.getElementById('subtitle')).textContent = model.subtitle;
    setState(undefined);
    const money = (/** @type {number} */ v) => v.toLocaleString('en-US', { maximumFractionDigits: 0 });
    const points = chart(/** @type {any} */ (document.getElementById('equity-chart')), model.time, model.equity, {
      kind: 'equity',
      label: money,
    });
    chart(/** @type {any} */ (document.getElementById('drawdown-chart')), model.time, model.drawdown, {
      kind: 'drawdown',
      label: (v) => `-${(v * 100).toFixed(1)}%`,
    });

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
      cell(row, String(t.id), 'num');
      cell(row, t.side);
      cell(row, t.entry);
      cell(row, t.exit);
      cell(row, t.entryPrice, 'num');
      cell(row, t.exitPrice, 'num');
      cell(row, t.pnl, 'num');
      cell(row, t.pnlPct, 'num');
      cell(row, t.exitReason);
      cell(row, t.reason);
      trades.appendChild(row);
    }
    /** @type {HTMLElement} */ (document.getElementById('trades-title')).textContent =
      model.tradeCount > model.trades.length
        ? `Trades (latest ${model.trades.length} of ${model.tradeCount})`
        : `Trades (${model.tradeCount})`;
    document.body.dataset.drawn = String(Date.now());
    vscode.postMessage({ type: 'drawn', points, trades: model.tradeCount });
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
    else if (message.type === 'state') setState(message);
  });
  vscode.postMessage({ type: 'ready' });
})();
