/**
 * Volt: Start Paper Session and Volt: Stop Paper Session. The sidecar's volt.paper.start runs a
 * detached `volt paper` process for the strategy (it outlives the editor and writes to the journal)
 * and answers once the session is in the journal, or with the CLI's one line when it cannot start;
 * volt.paper.stop pulls a session's kill switch. The status bar lists the running sessions.
 */
import * as vscode from 'vscode';
import type { PaperStartParams, PaperStartResult, PaperStatusResult, PaperStopParams, PaperStopResult } from '@volt/lsp-server/protocol';
import { errorText } from './user-text.js';

export interface PaperCalls {
  paperStart(params: PaperStartParams): Promise<PaperStartResult>;
  paperStop(params: PaperStopParams): Promise<PaperStopResult>;
  sessions(): Promise<PaperStatusResult>;
}

const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'];

/** Asks the market and the hours, then starts the session; undefined when dismissed or refused. */
export async function startPaperSession(sidecar: PaperCalls, output: vscode.OutputChannel, uri: vscode.Uri): Promise<PaperStartResult | undefined> {
  const name = vscode.workspace.asRelativePath(uri);
  const exchange = await vscode.window.showInputBox({
    title: `Volt: paper session of ${name}: the exchange (ccxt id)`, value: 'binance',
    validateInput: (v) => (/^[a-z0-9]+$/.test(v.trim()) ? undefined : 'a ccxt exchange id, lowercase: binance, kraken, coinbase'),
  });
  if (!exchange) return undefined;
  const symbol = await vscode.window.showInputBox({
    title: `Volt: paper session of ${name}: the market`, value: 'BTC/USDT',
    validateInput: (v) => (/^[^\s/]+\/[^\s/]+$/.test(v.trim()) ? undefined : 'BASE/QUOTE, e.g. BTC/USDT'),
  });
  if (!symbol) return undefined;
  const timeframe = (await vscode.window.showQuickPick(TIMEFRAMES.map((label) => ({ label })), { title: `Volt: paper session of ${name}: the timeframe` }))?.label;
  if (!timeframe) return undefined;
  const hours = await vscode.window.showInputBox({
    title: `Volt: paper session of ${name}: how many hours`, value: '12',
    validateInput: (v) => (Number(v) > 0 ? undefined : 'a number of hours above 0'),
  });
  if (!hours) return undefined;
  const market = `${exchange.trim()} ${symbol.trim()} ${timeframe}`;
  try {
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Volt: starting a paper session of ${name} on ${market}` },
      () => sidecar.paperStart({ uri: uri.toString(), exchange: exchange.trim(), symbol: symbol.trim(), timeframe, hours: Number(hours) }),
    );
    const which = r.session !== undefined ? `session ${r.session}` : `a session (pid ${r.pid}, not yet in the journal)`;
    output.appendLine(`Paper ${name}: ${which} on ${market} for ${Number(hours)} h`);
    void vscode.window.showInformationMessage(`Volt: paper ${which} of ${name} started on ${market}. The status bar lists it; Volt: Stop Paper Session ends it.`);
    return r;
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: the paper session of ${name} did not start: ${errorText(error)}`);
    return undefined;
  }
}

/** Picks a running session and pulls its kill switch. */
export async function stopPaperSession(sidecar: PaperCalls): Promise<PaperStopResult | undefined> {
  try {
    const running = (await sidecar.sessions()).sessions.filter((s) => s.status === 'running');
    if (running.length === 0) {
      void vscode.window.showInformationMessage('Volt: no paper or live session is running.');
      return undefined;
    }
    const items = running.map((s) => ({ label: `Session ${s.id} (${s.mode})`, description: `${s.exchange} ${s.symbol} ${s.timeframe}`, detail: s.label, id: s.id }));
    const pick = await vscode.window.showQuickPick(items, { title: 'Volt: stop which session? It closes its position and ends.' });
    if (!pick) return undefined;
    const r = await sidecar.paperStop({ session: pick.id });
    void vscode.window.showInformationMessage(r.stopped ? `Volt: session ${pick.id} stops: it closes its position and ends within a second.` : `Volt: session ${pick.id} was not running (${r.status}).`);
    return r;
  } catch (error) {
    void vscode.window.showErrorMessage(`Volt: stopping a session failed: ${errorText(error)}`);
    return undefined;
  }
}
