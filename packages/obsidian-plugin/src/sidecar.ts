/**
 * One `volt-lsp --stdio` for the vault, spoken to with vscode-jsonrpc. Started on first use, started
 * again when it dies (a crash, a kill, an out-of-memory), each time said in the status bar; shut down
 * with `shutdown` + `exit` when the plugin unloads. Requests wait for a start in progress.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { CONFIGURATION_SECTION, Notifications, type BacktestStatusParams } from '@volt/lsp-server/protocol';
import type { Located } from './locate.js';

export type SidecarState = 'starting' | 'ready' | 'restarting' | 'stopped' | 'failed';

export interface SidecarOptions {
  /** Where the sidecar is (locateSidecar); asked again at each start, so fixed settings apply. */
  locate(): Located;
  /** The Volt workspace: where volt.config.json and the strategies are. */
  root(): string;
  /** `volt` settings overriding volt.config.json (the journal path, the vault folder). */
  settings(): Record<string, unknown>;
  /** Each change of state, with a line for the status bar. */
  onState?(state: SidecarState, message: string): void;
  onBacktestStatus?(params: BacktestStatusParams): void;
  onProgress?(token: string | number, value: { kind: string; message?: string; percentage?: number; title?: string }): void;
  /** Restarts allowed within a minute before giving up (default 5). */
  maxRestarts?: number;
  /** Log lines (the sidecar's stderr and window/logMessage). */
  log?(line: string): void;
}

export class SidecarError extends Error {}

export class Sidecar {
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private starting: Promise<MessageConnection> | undefined;
  private stopping = false;
  private restarts: number[] = [];
  /** Server name and version from the last initialize. */
  serverInfo: { name: string; version?: string } | undefined;

  constructor(private readonly options: SidecarOptions) {}

  get running(): boolean {
    return this.connection !== undefined;
  }

  /** The process id of the running sidecar (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async request<R>(method: string, params?: unknown): Promise<R> {
    const c = await this.ready();
    return c.sendRequest<R>(method, params);
  }

  ready(): Promise<MessageConnection> {
    if (this.connection) return Promise.resolve(this.connection);
    this.stopping = false;
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private state(state: SidecarState, message: string): void {
    this.options.onState?.(state, message);
  }

  private async start(): Promise<MessageConnection> {
    const where = this.options.locate();
    if (!where.ok) {
      this.state('failed', where.message);
      throw new SidecarError(where.message);
    }
    this.state('starting', 'Volt: starting the sidecar…');
    const root = this.options.root();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: [...where.pathDirs, process.env.PATH ?? ''].filter(Boolean).join(path.delimiter) };
    // Electron's own binary must not be taken for Node by a child that spawns `process.execPath`.
    delete env.ELECTRON_RUN_AS_NODE;
    const child = spawn(where.command, where.args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (e) => resolve(e));
    });
    if (spawned) {
      const message = `Volt: could not start the sidecar (${where.how}: ${where.command}): ${spawned.message}. Check Sidecar path and Node path in Settings → Volt.`;
      this.state('failed', message);
      throw new SidecarError(message);
    }
    child.stdin!.on('error', () => undefined);
    child.stderr!.on('data', (d: Buffer) => this.options.log?.(d.toString().trimEnd()));
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section === CONFIGURATION_SECTION ? this.options.settings() : null)));
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/codeLens/refresh', () => null);
    connection.onNotification('window/logMessage', (p: { message: string }) => this.options.log?.(p.message));
    connection.onNotification('textDocument/publishDiagnostics', () => undefined);
    connection.onNotification(Notifications.critiqueStatus, () => undefined);
    connection.onNotification(Notifications.backtestStatus, (p: BacktestStatusParams) => this.options.onBacktestStatus?.(p));
    connection.onNotification('$/progress', (p: { token: string | number; value: { kind: string } }) => this.options.onProgress?.(p.token, p.value));
    connection.listen();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('exit', (code, signal) => this.died(child, connection, code, signal));
    this.child = child;
    try {
      const init = await Promise.race([
        connection.sendRequest<{ serverInfo?: { name: string; version?: string } }>('initialize', {
          processId: process.pid,
          rootUri: pathToFileURL(root).href,
          workspaceFolders: [{ uri: pathToFileURL(root).href, name: path.basename(root) }],
          capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true } },
          initializationOptions: { [CONFIGURATION_SECTION]: this.options.settings() },
          clientInfo: { name: 'obsidian-volt' },
        }),
        exited.then((code) => {
          throw new SidecarError(`Volt: the sidecar exited (code ${code}) before it answered; see the developer console for its output.`);
        }),
      ]);
      this.serverInfo = init.serverInfo;
      await connection.sendNotification('initialized', {});
    } catch (e) {
      const message = e instanceof SidecarError ? e.message : `Volt: the sidecar did not start: ${(e as Error).message}`;
      this.state('failed', message);
      child.kill();
      throw new SidecarError(message);
    }
    this.connection = connection;
    this.state('ready', `Volt: sidecar ${this.serverInfo?.version ?? ''}`.trimEnd());
    return connection;
  }

  private died(child: ChildProcess, connection: MessageConnection, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.connection = undefined;
    connection.dispose();
    if (this.stopping) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    const how = signal ? `was killed (${signal})` : `exited (code ${code})`;
    if (this.restarts.length >= (this.options.maxRestarts ?? 5)) {
      this.state('failed', `Volt: the sidecar ${how} ${this.restarts.length + 1} times in a minute; not restarting. Run "Volt: Sync journal to vault" to try again.`);
      this.restarts = [];
      return;
    }
    this.restarts.push(now);
    this.state('restarting', `Volt: the sidecar ${how}; restarting…`);
    void this.ready().catch(() => undefined);
  }

  /** shutdown, exit, and a kill when it does not go within two seconds. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    const connection = this.connection;
    if (!child) return;
    const gone = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    try {
      if (connection) {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 1500))]);
        await connection.sendNotification('exit');
      }
    } catch {
      // already going
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
    this.state('stopped', 'Volt: sidecar stopped');
  }
}
