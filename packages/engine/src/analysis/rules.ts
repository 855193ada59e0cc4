/**
 * The trading rules VOLT101–VOLT113, read off the TypeScript syntax tree of one strategy file.
 * Syntax only (no type checker), so the rules cost one tree walk and work on broken code too.
 */
import type * as ts from 'typescript';
import { uncappedShortCalls } from './option-legs.js';
import { SIGNAL_NAMES } from '../signals/index.js';
import { typescript as T } from './typescript.js';
import { DEFAULT_MAX_POSITION_CAP, type AnalysisConfig, type Finding, type FindingSeverity, type SourceEdit } from './types.js';

/** The parts of `defineStrategy({...})` the rules look at. */
interface StrategyShape {
  object: ts.ObjectLiteralExpression;
  /** Where strategy-wide findings point: the `defineStrategy` name, or the default export. */
  anchor: ts.Node;
  params?: ts.ObjectLiteralExpression;
  /** `params` exists but is not an object literal we can read (spread, variable, call). */
  paramsOpaque: boolean;
  risk?: ts.ObjectLiteralExpression;
  riskProperty?: ts.ObjectLiteralElementLike;
  riskOpaque: boolean;
  onBar?: ts.SignatureDeclaration & { body?: ts.Node | undefined };
  indicators?: ts.SignatureDeclaration & { body?: ts.Node | undefined };
}

type FunctionLike = ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration | ts.MethodDeclaration;

const HISTORY_FIELDS = new Set(['time', 'open', 'high', 'low', 'close', 'volume']);
const DATA_NAMES = /(^|[^a-z])(bars?|candles?|closes?|opens?|highs?|lows?|volumes?|prices?|data|series|history|times?)$/i;
const IO_MODULES = new Set([
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'tls', 'dns', 'dns/promises',
  'cluster', 'worker_threads', 'readline', 'inspector', 'vm', 'os',
  'axios', 'node-fetch', 'undici', 'ws', 'got', 'better-sqlite3', 'ccxt',
]);
const IO_CONSTRUCTORS = new Set(['WebSocket', 'XMLHttpRequest', 'EventSource', 'Worker']);
/** Bars an indicator needs before its first value, by factory method, from its arguments (defaults filled). */
const WARMUP: Record<string, { defaults: number[]; periods: number[]; warmup: (a: number[]) => number }> = {
  sma: { defaults: [NaN], periods: [0], warmup: (a) => a[0]! },
  ema: { defaults: [NaN], periods: [0], warmup: (a) => a[0]! },
  rsi: { defaults: [14], periods: [0], warmup: (a) => a[0]! + 1 },
  macd: { defaults: [12, 26, 9], periods: [0, 1, 2], warmup: (a) => a[1]! + a[2]! - 1 },
  bollinger: { defaults: [20, 2], periods: [0], warmup: (a) => a[0]! },
  atr: { defaults: [14], periods: [0], warmup: (a) => a[0]! },
  realizedVol: { defaults: [20], periods: [0], warmup: (a) => a[0]! + 1 },
};
/** Comparisons against these are bookkeeping (side, length, bar index), not trading thresholds. */
const BOOKKEEPING = new Set(['length', 'side', 'index', 'ready', 'qty', 'barsHeld']);
const GENERIC_NAMES = new Set(['ctx', 'ind', 'value', 'params', 'state', 'position', 'bar', 'this', 'history']);

export function runRules(sf: ts.SourceFile, config: AnalysisConfig): Finding[] {
  return new RuleRun(sf, config).run();
}

class RuleRun {
  private readonly findings: Finding[] = [];
  private readonly cap: number;
  private shape: StrategyShape | undefined;
  /** Name to reach params from inside onBar (`ctx.params`), or undefined when there is none. */
  private paramsAccess: string | undefined;
  private ctxName: string | undefined;
  private readonly topLevel = new Map<string, ts.Node>();

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly config: AnalysisConfig,
  ) {
    this.cap = config.maxPositionCap ?? DEFAULT_MAX_POSITION_CAP;
  }

  run(): Finding[] {
    this.indexTopLevel();
    this.shape = this.findStrategy();
    if (this.shape) {
      this.readOnBarParameter();
      this.checkRisk(this.shape);
      this.checkIndicators(this.shape);
      this.checkUnusedParams(this.shape);
    }
    this.walk(this.sf, false);
    return this.findings;
  }

  // ---------------------------------------------------------------------------------------------
  // Finding the strategy

  private indexTopLevel(): void {
    for (const st of this.sf.statements) {
      if (T().isFunctionDeclaration(st) && st.name) this.topLevel.set(st.name.text, st);
      if (T().isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (T().isIdentifier(d.name) && d.initializer) this.topLevel.set(d.name.text, d.initializer);
        }
      }
    }
  }

  private unwrap(e: ts.Node): ts.Node {
    let n = e;
    while (T().isParenthesizedExpression(n) || T().isAsExpression(n) || T().isSatisfiesExpression(n) || T().isTypeAssertionExpression(n)) {
      n = n.expression;
    }
    if (T().isIdentifier(n)) {
      const target = this.topLevel.get(n.text);
      if (target && target !== e) return this.unwrap(target);
    }
    return n;
  }

  private findStrategy(): StrategyShape | undefined {
    let call: ts.CallExpression | undefined;
    const visit = (n: ts.Node): void => {
      if (call) return;
      if (T().isCallExpression(n) && T().isIdentifier(n.expression) && n.expression.text === 'defineStrategy') {
        call = n;
        return;
      }
      T().forEachChild(n, visit);
    };
    visit(this.sf);
    let object: ts.ObjectLiteralExpression | undefined;
    let anchor: ts.Node | undefined;
    if (call) {
      const arg = call.arguments[0] && this.unwrap(call.arguments[0]);
      if (arg && T().isObjectLiteralExpression(arg)) {
        object = arg;
        anchor = call.expression;
      }
    } else {
      for (const st of this.sf.statements) {
        if (T().isExportAssignment(st)) {
          const v = this.unwrap(st.expression);
          if (T().isObjectLiteralExpression(v)) {
            object = v;
            anchor = st.getFirstToken(this.sf) ?? st;
          }
        }
      }
    }
    if (!object || !anchor) return undefined;
    const shape: StrategyShape = { object, anchor, paramsOpaque: false, riskOpaque: false };
    for (const p of object.properties) {
      const name = propertyName(p);
      if (T().isSpreadAssignment(p)) {
        // A spread may bring params or risk we cannot see: stay quiet about their absence.
        shape.paramsOpaque = true;
        shape.riskOpaque = true;
        continue;
      }
      if (name === undefined) continue;
      const value = propertyValue(p);
      if (!value) continue;
      const v = this.unwrap(value);
      if (name === 'params') {
        if (T().isObjectLiteralExpression(v)) shape.params = v;
        else shape.paramsOpaque = true;
      } else if (name === 'risk') {
        shape.riskProperty = p;
        if (T().isObjectLiteralExpression(v)) shape.risk = v;
        else shape.riskOpaque = true;
      } else if (name === 'onBar' || name === 'indicators') {
        if (isFunctionLike(v)) shape[name] = v;
      }
    }
    return shape;
  }

  private readOnBarParameter(): void {
    const first = this.shape?.onBar?.parameters[0];
    if (!first) return;
    if (T().isIdentifier(first.name)) {
      this.ctxName = first.name.text;
      this.paramsAccess = `${first.name.text}.params`;
    } else if (T().isObjectBindingPattern(first.name)) {
      for (const el of first.name.elements) {
        const key = el.propertyName && T().isIdentifier(el.propertyName) ? el.propertyName.text : T().isIdentifier(el.name) ? el.name.text : undefined;
        if (key === 'params' && T().isIdentifier(el.name)) this.paramsAccess = el.name.text;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // VOLT101, VOLT102, VOLT108: the risk block

  private checkRisk(shape: StrategyShape): void {
    if (shape.riskOpaque) return;
    const stop = shape.risk?.properties.find((p) => propertyName(p) === 'stopLoss');
    const volatilityStop = "{ kind: 'volatility', atrMultiple: 2 }";
    if (!stop) {
      const where = shape.riskProperty ? (shape.riskProperty.name ?? shape.riskProperty) : shape.anchor;
      const edit = shape.risk
        ? this.insertProperty(shape.risk, `stopLoss: ${volatilityStop}`)
        : this.insertProperty(shape.object, `risk: { stopLoss: ${volatilityStop} }`);
      this.add('VOLT101', 'warning', where,
        'No stop-loss: one bad trade can take the whole account. Set risk.stopLoss (a fraction like 0.03, or { kind: \'volatility\' } for an ATR-based stop).',
        { title: 'Add a volatility stop-loss (2 ATR)', edits: [edit] });
    } else {
      const v = propertyValue(stop);
      const n = v && numericValue(v);
      if (v && n !== undefined) {
        this.add('VOLT108', 'hint', v,
          `A fixed ${formatPct(n)} stop ignores volatility: it is hit by noise in a storm and too loose in a calm. { kind: 'volatility' } sizes the stop in ATRs.`,
          { title: 'Use a volatility stop (2 ATR)', edits: [this.replace(v, volatilityStop)] });
      }
    }
    const max = shape.risk?.properties.find((p) => propertyName(p) === 'maxPositionPct');
    const mv = max && propertyValue(max);
    if (mv) this.checkPositionSize(mv, 'risk.maxPositionPct');
  }

  private checkPositionSize(valueNode: ts.Expression, what: string): void {
    const n = numericValue(valueNode);
    if (n === undefined || n <= this.cap) return;
    this.add('VOLT102', 'warning', valueNode,
      `${what} is ${formatPct(n)} of equity, above the ${formatPct(this.cap)} cap (lint.maxPositionCap); the risk gate would shrink it, so the backtest overstates what you can trade.`,
      { title: `Clamp to the ${formatPct(this.cap)} cap`, edits: [this.replace(valueNode, String(this.cap))] });
  }

  // ---------------------------------------------------------------------------------------------
  // VOLT107: indicator warm-up

  private checkIndicators(shape: StrategyShape): void {
    const fn = shape.indicators;
    if (!fn?.body) return;
    const indName = fn.parameters[0] && T().isIdentifier(fn.parameters[0].name) ? fn.parameters[0].name.text : undefined;
    const paramsName = fn.parameters[1] && T().isIdentifier(fn.parameters[1].name) ? fn.parameters[1].name.text : undefined;
    if (!indName) return;
    const visit = (n: ts.Node): void => {
      if (T().isCallExpression(n) && T().isPropertyAccessExpression(n.expression) && T().isIdentifier(n.expression.expression)
        && n.expression.expression.text === indName) {
        const method = n.expression.name.text;
        const spec = WARMUP[method];
        if (spec) this.checkWarmup(n, method, spec, paramsName);
      }
      T().forEachChild(n, visit);
    };
    visit(fn.body);
  }

  private checkWarmup(call: ts.CallExpression, method: string, spec: (typeof WARMUP)[string], paramsName: string | undefined): void {
    const args: number[] = [];
    for (let i = 0; i < spec.defaults.length; i++) {
      const a = call.arguments[i];
      const v = a === undefined ? spec.defaults[i]! : this.evaluateNumber(a, paramsName);
      if (v === undefined) return; // computed at run time: cannot judge statically
      args.push(v);
    }
    for (const i of spec.periods) {
      const p = args[i]!;
      if (!Number.isInteger(p) || p < 1) {
        this.add('VOLT107', 'error', call.arguments[i] ?? call,
          `${method} period ${Number.isNaN(p) ? '(missing)' : p} is not a whole number of bars ≥ 1, so it can never warm up.`);
        return;
      }
    }
    const bars = this.config.bars;
    const need = spec.warmup(args);
    if (bars !== undefined && need >= bars) {
      this.add('VOLT107', 'error', call,
        `${method}(${args.slice(0, spec.periods.length).join(', ')}) needs ${need} bars to warm up, but ${this.config.dataLabel ?? 'the configured data'} has ${bars}: it would never produce a value, and onBar would never see it ready.`);
    }
  }

  private evaluateNumber(e: ts.Expression, paramsName: string | undefined): number | undefined {
    const n = numericValue(e);
    if (n !== undefined) return n;
    const u = this.unwrap(e);
    if (T().isPropertyAccessExpression(u) && T().isIdentifier(u.expression) && u.expression.text === paramsName) {
      const p = this.shape?.params?.properties.find((x) => propertyName(x) === u.name.text);
      const v = p && propertyValue(p);
      if (!v) return undefined;
      const vv = this.unwrap(v);
      if (T().isObjectLiteralExpression(vv)) {
        const value = vv.properties.find((x) => propertyName(x) === 'value');
        const vn = value && propertyValue(value);
        return vn ? numericValue(vn) : undefined;
      }
      return numericValue(vv);
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // VOLT109: params nobody reads

  private checkUnusedParams(shape: StrategyShape): void {
    const params = shape.params;
    if (!params) return;
    const read = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (n === params) return;
      if (T().isPropertyAccessExpression(n)) read.add(n.name.text);
      else if (T().isElementAccessExpression(n) && T().isStringLiteralLike(n.argumentExpression)) read.add(n.argumentExpression.text);
      else if (T().isBindingElement(n)) {
        const key = n.propertyName ?? n.name;
        if (T().isIdentifier(key) || T().isStringLiteral(key)) read.add(key.text);
      } else if (T().isElementAccessExpression(n)) {
        // params[name] with a computed key may read any of them.
        read.add('*');
      }
      T().forEachChild(n, visit);
    };
    visit(this.sf);
    if (read.has('*')) return;
    for (const p of params.properties) {
      const name = propertyName(p);
      if (name === undefined || read.has(name)) continue;
      this.add('VOLT109', 'warning', p.name ?? p,
        `Param '${name}' is declared but never read: sweeps would vary it for nothing. Use it (ctx.params.${name}) or remove it.`,
        { title: `Remove unused param '${name}'`, edits: [this.removeProperty(params, p)] }, true);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // One walk for the expression-level rules: VOLT102 (order sizes), 103, 104, 105, 106

  private walk(node: ts.Node, inOnBar: boolean): void {
    const inside = inOnBar || node === this.shape?.onBar;
    if (T().isCallExpression(node)) this.checkCall(node, inside);
    else if (T().isNewExpression(node)) this.checkNew(node);
    else if (T().isBinaryExpression(node)) {
      if (inside) this.checkThreshold(node);
    } else if (T().isElementAccessExpression(node)) this.checkIndexLookahead(node, node.argumentExpression, node.expression);
    else if (T().isArrayLiteralExpression(node)) {
      for (const f of uncappedShortCalls(node, numericValue)) this.add('VOLT111', 'warning', f.node, f.message);
    }
    else if (T().isImportDeclaration(node) || T().isExportDeclaration(node)) {
      if (node.moduleSpecifier && T().isStringLiteral(node.moduleSpecifier)) this.checkModule(node.moduleSpecifier);
    } else if (T().isImportEqualsDeclaration(node) && T().isExternalModuleReference(node.moduleReference)
      && T().isStringLiteral(node.moduleReference.expression)) {
      this.checkModule(node.moduleReference.expression);
    } else if (T().isPropertyAccessExpression(node) && this.isSignalsOf(node.expression)) {
      this.checkSignalName(node);
    } else if (T().isPropertyAccessExpression(node) && T().isIdentifier(node.expression) && node.expression.text === 'process') {
      this.add('VOLT106', 'error', node,
        `process.${node.name.text} reaches outside the strategy: a backtest must depend only on its bars and params. Put settings in params, not the environment.`);
    }
    T().forEachChild(node, (child) => this.walk(child, inside));
  }

  /** `ctx.signals` (with onBar's own name for its context). */
  private isSignalsOf(e: ts.Expression): boolean {
    return T().isPropertyAccessExpression(e) && e.name.text === 'signals' && T().isIdentifier(e.expression) && this.ctxName !== undefined && e.expression.text === this.ctxName;
  }

  // VOLT113: a signal name Volt does not have reads NaN at every bar, silently.
  private checkSignalName(node: ts.PropertyAccessExpression): void {
    const name = node.name.text;
    if (SIGNAL_NAMES.includes(name) || name === 'count') return;
    const near = SIGNAL_NAMES.find((n) => n.includes(name.toLowerCase()) || name.toLowerCase().includes(n.split('_')[0]!));
    const fix = near ? { title: `Read ${this.ctxName}.signals.${near}`, edits: [this.replace(node.name, near)] } : undefined;
    this.add('VOLT113', 'warning', node.name,
      `${this.ctxName}.signals.${name} is not a signal Volt knows, so it is undefined at every bar. The signals are ${SIGNAL_NAMES.join(', ')}.${near ? ` Did you mean ${near}?` : ''}`, fix);
  }

  private checkModule(spec: ts.StringLiteral): void {
    // VOLT112: outside-signal data bundled into the strategy holds every value, later ones too.
    const file = spec.text.replace(/\\/g, '/');
    const base = file.split('/').pop() ?? '';
    if (/\.json$/i.test(base) && (SIGNAL_NAMES.some((n) => base.toLowerCase().startsWith(n)) || /(^|\/)signals\//i.test(file))) {
      this.add('VOLT112', 'error', spec,
        `Lookahead: importing '${spec.text}' hands the strategy every value of the signal, including those published after the bar it is deciding at. Read ctx.signals.<name>: the value published before this bar's close.`);
      return;
    }
    const name = spec.text.startsWith('node:') ? spec.text.slice(5) : spec.text;
    if (IO_MODULES.has(name)) {
      this.add('VOLT106', 'error', spec,
        `'${spec.text}' does I/O (network, files or processes) inside a strategy: backtests stop being repeatable and live runs can hang. Feed data through the engine instead.`);
    }
  }

  private checkCall(call: ts.CallExpression, inOnBar: boolean): void {
    const callee = call.expression;
    const text = calleeText(callee);
    if (text === 'Math.random') {
      const fix = inOnBar && this.ctxName
        ? { title: `Replace Math.random() by ${this.ctxName}.random() (seeded)`, edits: [this.replace(call, `${this.ctxName}.random()`)] }
        : undefined;
      this.add('VOLT105', 'error', call,
        'Math.random() is unseeded: every backtest gives a different answer. Use ctx.random(), seeded per run.', fix);
    } else if (text === 'Date.now' || text === 'performance.now' || text === 'Date') {
      this.add('VOLT105', 'error', call,
        `${text}() reads the wall clock: the strategy would behave differently in a backtest than when it was written. Use ctx.bar.time (the bar's own time).`);
    } else if (text === 'crypto.randomUUID' || text === 'crypto.getRandomValues' || text === 'crypto.randomInt') {
      this.add('VOLT105', 'error', call, `${text}() is unseeded randomness: use ctx.random(), seeded per run.`);
    } else if (text === 'fetch') {
      this.add('VOLT106', 'error', call,
        'fetch() does network I/O inside a strategy: backtests stop being repeatable and live runs can hang. Feed data through the engine instead.');
    } else if ((text === 'require' || callee.kind === T().SyntaxKind.ImportKeyword) && call.arguments[0] && T().isStringLiteral(call.arguments[0])) {
      this.checkModule(call.arguments[0]);
    }

    // VOLT104: history reads with a negative `ago` look into the future.
    if (T().isPropertyAccessExpression(callee) && HISTORY_FIELDS.has(callee.name.text) && call.arguments.length === 1) {
      const ago = numericValue(call.arguments[0]!);
      if (ago !== undefined && ago < 0) {
        this.add('VOLT104', 'error', call,
          `Lookahead: ${callee.name.text}(${ago}) reads ${-ago} bar(s) after the current one, which do not exist yet when the bar closes. ago counts back: ${callee.name.text}(0) is this bar, ${callee.name.text}(1) the one before.`);
      }
    }
    if (text === 'candleAt' && call.arguments[1]) this.checkIndexLookahead(call, call.arguments[1], call.arguments[0]);

    // VOLT102 on order sizes: ctx.buy({ pct: 0.5 }).
    if (T().isPropertyAccessExpression(callee) && (callee.name.text === 'buy' || callee.name.text === 'sell')) {
      const order = call.arguments[0] && this.unwrap(call.arguments[0]);
      if (order && T().isObjectLiteralExpression(order)) {
        const pct = order.properties.find((p) => propertyName(p) === 'pct');
        const pv = pct && propertyValue(pct);
        if (pv) this.checkPositionSize(pv, `${callee.name.text}({ pct })`);
      }
    }
    if (inOnBar) this.checkOrderExplained(call);
  }

  // ---------------------------------------------------------------------------------------------
  // VOLT110: orders that do not say how sure or why

  /**
   * `ctx.buy()` without a confidence counts as fully sure (1.0) to the agents' vote, and an order
   * without a reason leaves the journal and the vault with nothing to review. Exits need a reason
   * only: their confidence is not voted on.
   */
  private checkOrderExplained(call: ts.CallExpression): void {
    const callee = call.expression;
    if (!this.ctxName || !T().isPropertyAccessExpression(callee) || !T().isIdentifier(callee.expression)
      || callee.expression.text !== this.ctxName) return;
    const side = callee.name.text;
    if (side !== 'buy' && side !== 'sell' && side !== 'exit') return;
    const wanted = side === 'exit' ? ['reason'] : ['confidence', 'reason'];
    const arg = call.arguments[0] && this.unwrap(call.arguments[0]);
    if (arg && !T().isObjectLiteralExpression(arg)) return; // an order built elsewhere: cannot see its fields
    if (arg && arg.properties.some((p) => T().isSpreadAssignment(p))) return;
    const missing = wanted.filter((key) => !arg?.properties.some((p) => propertyName(p) === key));
    if (missing.length === 0) return;
    const fields = missing.map((key) => (key === 'confidence' ? 'confidence: 0.5' : `reason: ${quote(this.signalText(call, side))}`));
    const edit = arg
      ? this.insertProperty(arg, fields.join(', '))
      : { range: this.rangeOf(call.arguments.pos, call.arguments.end), newText: `{ ${fields.join(', ')} }` };
    const consequence = [
      ...(missing.includes('confidence') ? ['the agents count it as fully sure (1.0)'] : []),
      ...(missing.includes('reason') ? ['the journal cannot say why it was made'] : []),
    ].join(', and ');
    this.add('VOLT110', 'warning', call,
      `${this.ctxName}.${side}() gives no ${missing.join(' or ')}: ${consequence}. Pass ${side === 'exit' ? '{ reason }' : '{ confidence, reason }'}.`,
      { title: `Add ${missing.map((key) => (key === 'confidence' ? 'confidence 0.5' : 'the signal as its reason')).join(' and ')}`, edits: [edit] });
  }

  /** What made the order fire, for its reason: the condition of the `if` around it, else its side. */
  private signalText(call: ts.Node, side: string): string {
    for (let n: ts.Node = call; n.parent && n !== this.shape?.onBar; n = n.parent) {
      const parent = n.parent;
      if (T().isIfStatement(parent) && parent.thenStatement === n) {
        const text = parent.expression.getText(this.sf).replace(/\s+/g, ' ');
        return text.length > 120 ? `${text.slice(0, 119)}…` : text;
      }
      if (T().isConditionalExpression(parent) && parent.whenTrue === n) return parent.condition.getText(this.sf).replace(/\s+/g, ' ');
    }
    return `${side} signal`;
  }

  private checkNew(n: ts.NewExpression): void {
    const text = calleeText(n.expression);
    if (text === 'Date' && (n.arguments === undefined || n.arguments.length === 0)) {
      this.add('VOLT105', 'error', n,
        'new Date() reads the wall clock: the strategy would behave differently in a backtest than live. Use new Date(ctx.bar.time).');
    } else if (text !== undefined && IO_CONSTRUCTORS.has(text)) {
      this.add('VOLT106', 'error', n, `new ${text}() does I/O inside a strategy: feed data through the engine instead.`);
    }
  }

  /** `closes[i + 1]`, `bars[ctx.index + 2]`: an index past the current bar on a data array. */
  private checkIndexLookahead(node: ts.Node, index: ts.Expression, target: ts.Expression | undefined): void {
    const ix = this.unwrap(index);
    if (!T().isBinaryExpression(ix) || ix.operatorToken.kind !== T().SyntaxKind.PlusToken) return;
    const ahead = numericValue(ix.right) ?? numericValue(ix.left);
    if (ahead === undefined || ahead <= 0) return;
    const base = numericValue(ix.right) !== undefined ? ix.left : ix.right;
    const baseText = base.getText(this.sf);
    const targetText = target ? target.getText(this.sf) : '';
    const lastSegment = targetText.split('.').pop() ?? '';
    if (!/\.index$/.test(baseText) && !DATA_NAMES.test(lastSegment)) return;
    this.add('VOLT104', 'error', node,
      `Lookahead: ${index.getText(this.sf)} reads ${ahead} bar(s) after the current one, which a live strategy cannot see. Use ${baseText} - ${ahead} for the past, or ctx.history(n).`);
  }

  // ---------------------------------------------------------------------------------------------
  // VOLT103: thresholds in onBar

  private checkThreshold(b: ts.BinaryExpression): void {
    const op = b.operatorToken.kind;
    const relational = op === T().SyntaxKind.LessThanToken || op === T().SyntaxKind.LessThanEqualsToken
      || op === T().SyntaxKind.GreaterThanToken || op === T().SyntaxKind.GreaterThanEqualsToken;
    const equality = op === T().SyntaxKind.EqualsEqualsEqualsToken || op === T().SyntaxKind.EqualsEqualsToken
      || op === T().SyntaxKind.ExclamationEqualsEqualsToken || op === T().SyntaxKind.ExclamationEqualsToken;
    if (!relational && !equality) return;
    const rightValue = numericValue(b.right);
    const leftValue = numericValue(b.left);
    if ((rightValue === undefined) === (leftValue === undefined)) return; // no literal, or two literals
    const literal = rightValue !== undefined ? b.right : b.left;
    const value = (rightValue ?? leftValue)!;
    const other = rightValue !== undefined ? b.left : b.right;
    if (value === 0 || value === 1 || value === -1) return;
    const names = chainNames(other);
    if (names.length > 0 && BOOKKEEPING.has(names[names.length - 1]!)) return;
    // Literal on the left flips the meaning: `30 > rsi` is `rsi < 30`.
    const literalOnRight = rightValue !== undefined;
    const below = literalOnRight
      ? op === T().SyntaxKind.LessThanToken || op === T().SyntaxKind.LessThanEqualsToken
      : op === T().SyntaxKind.GreaterThanToken || op === T().SyntaxKind.GreaterThanEqualsToken;
    const subject = names.filter((n) => !GENERIC_NAMES.has(n)).pop() ?? names[names.length - 1] ?? 'threshold';
    const base = relational ? `${subject}${below ? 'Below' : 'Above'}` : `${subject}Level`;
    const name = this.freshParamName(base);
    const fix = this.paramsAccess && !this.shape?.paramsOpaque
      ? {
          title: `Move ${literal.getText(this.sf)} into params as '${name}'`,
          edits: [
            this.shape?.params
              ? this.insertProperty(this.shape.params, `${name}: { value: ${literal.getText(this.sf)} }`)
              : this.insertProperty(this.shape!.object, `params: { ${name}: { value: ${literal.getText(this.sf)} } }`),
            this.replace(literal, `${this.paramsAccess}.${name}`),
          ],
        }
      : undefined;
    this.add('VOLT103', 'warning', literal,
      `Threshold ${literal.getText(this.sf)} is hard-coded in onBar: it cannot be tuned or swept, and a guess like this can starve a strategy of trades. Move it into params.`, fix);
  }

  private freshParamName(base: string): string {
    const taken = new Set((this.shape?.params?.properties ?? []).map(propertyName));
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    return name;
  }

  // ---------------------------------------------------------------------------------------------
  // Edits and findings

  private add(code: string, severity: FindingSeverity, node: ts.Node, message: string, fix?: { title: string; edits: SourceEdit[] }, unnecessary = false): void {
    const finding: Finding = { code, severity, message, range: this.rangeOf(node.getStart(this.sf), node.getEnd()), source: 'static' };
    if (fix) finding.fix = fix;
    if (unnecessary) finding.unnecessary = true;
    this.findings.push(finding);
  }

  private rangeOf(start: number, end: number) {
    return { start: this.sf.getLineAndCharacterOfPosition(start), end: this.sf.getLineAndCharacterOfPosition(end) };
  }

  private replace(node: ts.Node, newText: string): SourceEdit {
    return { range: this.rangeOf(node.getStart(this.sf), node.getEnd()), newText };
  }

  /** Adds `text` as the last property of `obj`, keeping its layout (one line or one per line). */
  private insertProperty(obj: ts.ObjectLiteralExpression, text: string): SourceEdit {
    const src = this.sf.text;
    const props = obj.properties;
    const last = props[props.length - 1];
    if (!last) {
      return { range: this.rangeOf(obj.getStart(this.sf), obj.getEnd()), newText: `{ ${text} }` };
    }
    const multiline = this.sf.getLineAndCharacterOfPosition(last.getStart(this.sf)).line
      !== this.sf.getLineAndCharacterOfPosition(obj.getStart(this.sf)).line;
    const indent = multiline ? lineIndent(src, last.getStart(this.sf)) : '';
    const sep = multiline ? `\n${indent}` : ' ';
    if (props.hasTrailingComma) {
      const comma = src.indexOf(',', last.getEnd());
      return { range: this.rangeOf(comma + 1, comma + 1), newText: `${sep}${text},` };
    }
    return { range: this.rangeOf(last.getEnd(), last.getEnd()), newText: `,${sep}${text}` };
  }

  private removeProperty(obj: ts.ObjectLiteralExpression, prop: ts.ObjectLiteralElementLike): SourceEdit {
    const props = obj.properties;
    const i = props.indexOf(prop);
    const next = props[i + 1];
    const prev = props[i - 1];
    if (next) return { range: this.rangeOf(prop.getStart(this.sf), next.getStart(this.sf)), newText: '' };
    if (prev) return { range: this.rangeOf(prev.getEnd(), prop.getEnd()), newText: '' };
    let end = prop.getEnd();
    if (props.hasTrailingComma) end = this.sf.text.indexOf(',', end) + 1;
    return { range: this.rangeOf(prop.getStart(this.sf), end), newText: '' };
  }
}

// -----------------------------------------------------------------------------------------------

function propertyName(p: ts.ObjectLiteralElementLike): string | undefined {
  const n = p.name;
  if (!n) return undefined;
  if (T().isIdentifier(n) || T().isStringLiteral(n) || T().isNumericLiteral(n)) return n.text;
  return undefined;
}

function propertyValue(p: ts.ObjectLiteralElementLike): ts.Expression | undefined {
  if (T().isPropertyAssignment(p)) return p.initializer;
  if (T().isShorthandPropertyAssignment(p)) return p.name;
  if (T().isMethodDeclaration(p)) return p as unknown as ts.Expression;
  return undefined;
}

function isFunctionLike(n: ts.Node): n is FunctionLike {
  return T().isArrowFunction(n) || T().isFunctionExpression(n) || T().isFunctionDeclaration(n) || T().isMethodDeclaration(n);
}

/** The number a literal (or `-literal`) stands for; undefined for anything computed. */
export function numericValue(e: ts.Node): number | undefined {
  let n = e;
  while (T().isParenthesizedExpression(n)) n = n.expression;
  if (T().isNumericLiteral(n)) return Number(n.text.replace(/_/g, ''));
  if (T().isPrefixUnaryExpression(n) && T().isNumericLiteral(n.operand)) {
    const v = Number(n.operand.text.replace(/_/g, ''));
    if (n.operator === T().SyntaxKind.MinusToken) return -v;
    if (n.operator === T().SyntaxKind.PlusToken) return v;
  }
  return undefined;
}

function calleeText(e: ts.Expression): string | undefined {
  if (T().isIdentifier(e)) return e.text;
  if (T().isPropertyAccessExpression(e) && T().isIdentifier(e.expression)) return `${e.expression.text}.${e.name.text}`;
  return undefined;
}

/** `ctx.ind.rsi.value` → ['ctx', 'ind', 'rsi', 'value']; calls are looked through. */
function chainNames(e: ts.Expression): string[] {
  let n: ts.Node = e;
  const out: string[] = [];
  for (;;) {
    while (T().isParenthesizedExpression(n) || T().isNonNullExpression(n) || T().isAsExpression(n)) n = n.expression;
    if (T().isPropertyAccessExpression(n)) {
      out.unshift(n.name.text);
      n = n.expression;
    } else if (T().isCallExpression(n)) {
      n = n.expression;
    } else if (T().isIdentifier(n)) {
      out.unshift(n.text);
      return out;
    } else {
      return out;
    }
  }
}

/** `text` as a single-quoted TypeScript string literal. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lineIndent(src: string, pos: number): string {
  const lineStart = src.lastIndexOf('\n', pos - 1) + 1;
  let i = lineStart;
  while (i < src.length && (src[i] === ' ' || src[i] === '\t')) i++;
  return src.slice(lineStart, i);
}

function formatPct(x: number): string {
  return `${+(x * 100).toFixed(4)}%`;
}
