/**
 * volt.paper.status / volt.paper.stop, and VOLT206: what the workspace journal knows of paper and
 * live sessions (`volt paper`, `volt live`). The sessions run as processes of their own; the sidecar
 * only reads their journal rows and pulls the kill switch (the journal's flag, then SIGTERM).
 */
import { Journal, listSessions, requestStop } from '@volt/engine';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver';
import { PaperRequests, type PaperStartParams, type PaperStartResult, type PaperStatusParams, type PaperStatusResult, type PaperStopParams, type PaperStopResult } from '../protocol.js';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { driftFindings } from '../service/drift.js';
import { driftOf, sessionStatuses } from '../service/sessions.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';

/** How often the lens of running sessions is compared with the journal. */
const LENS_EVERY_MS = 5000;
/** How long volt.paper.start waits for the session to be in the journal before it answers with the pid alone. */
const START_WAIT_MS = 20_000;

export class PaperHandler {
  constructor(private readonly state: WorkspaceState) {}

  register(c: Connection): void {
    c.onRequest(PaperRequests.status, (p: PaperStatusParams | undefined) => this.status(p ?? {}));
    c.onRequest(PaperRequests.stop, (p: PaperStopParams) => this.stop(p));
    c.onRequest(PaperRequests.start, (p: PaperStartParams) => this.start(p));
    this.state.documents.onDidOpen((e) => this.showDrift(e.document.uri));
    // The lens of a running session follows its journal: looked at every few seconds, refreshed on change.
    const timer = setInterval(() => this.followLenses(), LENS_EVERY_MS);
    timer.unref();
  }

  private lastLabels = '';

  private followLenses(): void {
    if (this.state.shuttingDown || !this.state.canRefreshLens) return;
    if (!existsSync(this.state.journalPath())) return;
    const journal = this.state.journalCache();
    if (!journal) return;
    let labels: string;
    try {
      labels = sessionStatuses(journal).filter((s) => s.status === 'running' || this.lastLabels.includes(`#${s.id} `)).map((s) => `#${s.id} ${s.status} ${s.label}`).join('|');
    } catch {
      return;
    }
    if (labels === this.lastLabels) return;
    this.lastLabels = labels;
    void this.state.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  status(params: PaperStatusParams): PaperStatusResult {
    const journal = this.open();
    if (!journal) return { sessions: [] };
    try {
      const file = params.uri !== undefined ? uriToPath(params.uri) : undefined;
      const sessions = sessionStatuses(journal, file);
      for (const uri of this.state.documents.keys()) this.showDrift(uri, journal);
      return { sessions };
    } finally {
      journal.close();
    }
  }

  /**
   * A detached `volt paper` process: it writes to the journal and outlives the editor. The answer
   * waits until its session is in the journal, so a typo (an unknown market, a missing file) is
   * this request's error, in the CLI's own words, not a process that ended unseen.
   */
  async start(params: PaperStartParams): Promise<PaperStartResult> {
    const text = (name: keyof PaperStartParams) => {
      const v = params?.[name];
      if (typeof v !== 'string' || v.trim() === '') throw new ResponseError(ErrorCodes.InvalidParams, `volt.paper.start needs ${name}`);
      return v;
    };
    const file = uriToPath(text('uri'));
    const args = [voltCli(this.state.options.voltCliFile), 'paper', file, '--exchange', text('exchange'), '--symbol', text('symbol'), '--timeframe', text('timeframe'), '--journal', this.state.journalPath(), '--json'];
    for (const [flag, value] of [['capital', params.capital], ['hours', params.hours], ['warmup', params.warmup]] as const) {
      if (value === undefined) continue;
      if (typeof value !== 'number' || !(value > 0)) throw new ResponseError(ErrorCodes.InvalidParams, `volt.paper.start: ${flag} must be a positive number`);
      args.push(`--${flag}`, String(value));
    }
    if (params.apiUrl !== undefined) args.push('--api-url', text('apiUrl'));
    // Its stderr goes to a file beside the journal: a pipe would break when the editor quits.
    const logs = path.join(path.dirname(this.state.journalPath()), 'sessions');
    mkdirSync(logs, { recursive: true });
    const log = path.join(logs, `paper-${Date.now()}.log`);
    const fd = openSync(log, 'a');
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(process.execPath, args, { cwd: this.state.root, detached: true, stdio: ['ignore', 'ignore', fd] });
    } finally {
      closeSync(fd);
    }
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new ResponseError(ErrorCodes.InternalError, 'volt.paper.start: the session process did not start');
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + START_WAIT_MS;
    for (;;) {
      const code = await Promise.race([ended, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
      const session = this.sessionOf(pid);
      if (session !== undefined) return { pid, session };
      if (code !== undefined) {
        const said = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
        throw new ResponseError(ErrorCodes.InvalidParams, said.length > 0 ? said.slice(0, 2).join(' — ') : `volt paper ended (exit ${code}) before its session started`);
      }
      if (Date.now() > deadline) return { pid };
    }
  }

  /** The session a process has written to the journal, if any yet. */
  private sessionOf(pid: number): number | undefined {
    const journal = this.open();
    if (!journal) return undefined;
    try {
      return listSessions(journal).find((s) => s.pid === pid)?.id;
    } finally {
      journal.close();
    }
  }

  stop(params: PaperStopParams): PaperStopResult {
    if (typeof params?.session !== 'number') throw new ResponseError(ErrorCodes.InvalidParams, 'volt.paper.stop expects { session: number }');
    const journal = this.open();
    if (!journal) throw new ResponseError(ErrorCodes.InvalidRequest, `no journal at ${this.state.journalPath()}`);
    try {
      const row = requestStop(journal, params.session, 'kill switch: the editor');
      if (row.status !== 'running') return { stopped: false, status: row.status };
      if (row.pid !== null) {
        try {
          process.kill(row.pid, 'SIGTERM');
        } catch {
          // Gone already: the journal's flag keeps it from being resumed.
        }
      }
      return { stopped: true, status: row.status };
    } finally {
      journal.close();
    }
  }

  /** VOLT206 on an open strategy from the latest drift report of its sessions. */
  private showDrift(uri: string, given?: Journal): void {
    if (!uri.endsWith('.ts')) return;
    const journal = given ?? this.open();
    if (!journal) return;
    try {
      const file = uriToPath(uri);
      const withDrift = listSessions(journal).filter((s) => s.strategyPath === file).map((s) => ({ s, drift: driftOf(journal, s.id) })).filter((x) => x.drift !== undefined);
      const latest = withDrift.at(-1);
      const text = this.state.documentText(uri);
      const findings = latest && text !== undefined ? driftFindings(text, latest.drift!, latest.s.id) : [];
      if (findings.length === 0 && this.state.findingsOf(uri, 'drift').length === 0) return;
      this.state.setFindings(uri, 'drift', findings);
      this.state.publish(uri);
    } catch (e) {
      this.state.log(`sessions: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (!given) journal.close();
    }
  }

  private open(): Journal | undefined {
    try {
      return Journal.open(this.state.journalPath());
    } catch {
      return undefined;
    }
  }
}

/**
 * The `volt` CLI sessions run with: the one given, else the installed @volt/cli beside this sidecar.
 * The sidecar bundled in the VS Code extension has none (sessions need ccxt, which it does not ship):
 * there the request says what to install, and the extension then prefers the installed sidecar.
 */
function voltCli(given: URL | undefined): string {
  if (given) return fileURLToPath(given);
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('@volt/cli');
  } catch {
    throw new ResponseError(ErrorCodes.InvalidRequest, 'paper and live sessions run the volt CLI, which this sidecar does not have: install Volt (npm install -g @volt/cli), then reload the editor so it uses the installed sidecar');
  }
  return path.join(path.dirname(main), '..', 'bin', 'volt.js');
}
