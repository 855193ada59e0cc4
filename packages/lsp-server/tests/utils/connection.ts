/**
 * One harness, two modes: `startInBand` runs a VoltServer in this process over a pair of streams
 * (fast, most tests); `startBinary` spawns the built `volt-lsp --stdio` (smoke tests). Both give the
 * same client, which answers the requests a real editor answers: workspace/configuration with the
 * `settings` it holds, progress creation, code lens refresh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node.js';
import type {
  CodeAction,
  CodeLens,
  Diagnostic,
  InitializeResult,
  PublishDiagnosticsParams,
  TextDocumentContentChangeEvent,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { createConnection } from 'vscode-languageserver/node.js';
import { VoltServer } from '../../src/server.js';
import { Notifications, type BacktestStatusParams } from '../../src/protocol.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_ROOT = path.resolve(PACKAGE_ROOT, '..', '..');
export const EXAMPLES = path.join(REPO_ROOT, 'examples', 'strategies');
export const ANALYSIS_WORKER_FILE = new URL('../../dist/worker/analysis-worker.js', import.meta.url);

export interface ClientOptions {
  /** Workspace folder; default a fresh temporary folder. */
  root?: string;
  /** What the client answers to workspace/configuration for section `volt`. */
  settings?: Record<string, unknown>;
  initializationOptions?: Record<string, unknown>;
  /** Advertise window.workDoneProgress (default true). */
  workDoneProgress?: boolean;
  /** Extra environment of a spawned server (startBinary). */
  env?: NodeJS.ProcessEnv;
}

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly statuses: BacktestStatusParams[] = [];
  readonly progress: unknown[] = [];
  /** Popups (window/showMessage and window/showMessageRequest, which showErrorMessage sends), in order. */
  readonly popups: { type: number; message: string }[] = [];
  /** What the server wrote to its log (window/logMessage), in order. */
  readonly logs: string[] = [];
  lensRefreshes = 0;
  configurationRequests = 0;
  settings: Record<string, unknown>;
  private readonly versions = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(
    readonly connection: ProtocolConnection,
    readonly root: string,
    private readonly options: ClientOptions,
    private readonly onDispose: () => Promise<void>,
  ) {
    this.settings = options.settings ?? {};
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.wake();
    });
    connection.onNotification(Notifications.backtestStatus, (p: BacktestStatusParams) => {
      this.statuses.push(p);
      this.wake();
    });
    connection.onNotification('$/progress', (p: unknown) => {
      this.progress.push(p);
      this.wake();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => void this.logs.push(p.message));
    connection.onNotification('window/showMessage', (p: { type: number; message: string }) => {
      this.popups.push(p);
      this.wake();
    });
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      {
        this.configurationRequests++;
        this.wake();
        return p.items.map((item) => (item.section === 'volt' ? this.settings : null));
      },
    );
    connection.onRequest('window/showMessageRequest', (p: { type: number; message: string }) => {
      this.popups.push(p);
      this.wake();
      return null;
    });
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/codeLens/refresh', () => {
      this.lensRefreshes++;
      this.wake();
      return null;
    });
    connection.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `check` returns a value other than undefined (re-checked on every message). */
  async until<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async initialize(): Promise<InitializeResult> {
    const result = await this.connection.sendRequest<InitializeResult>('initialize', {
      processId: null,
      rootUri: pathToFileURL(this.root).href,
      workspaceFolders: [{ uri: pathToFileURL(this.root).href, name: 'ws' }],
      capabilities: {
        workspace: { configuration: true, codeLens: { refreshSupport: true }, didChangeConfiguration: { dynamicRegistration: false } },
        window: { workDoneProgress: this.options.workDoneProgress ?? true },
        textDocument: {
          publishDiagnostics: { versionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
          synchronization: { didSave: true },
        },
      },
      initializationOptions: this.options.initializationOptions ?? {},
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Changes what workspace/configuration answers and tells the server, as an editor does. */
  async updateSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    const asked = this.configurationRequests;
    await this.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await this.until(() => (this.configurationRequests > asked ? true : undefined), 'the server to re-read settings');
    // The server applies them right after the answer arrives.
    await new Promise((r) => setTimeout(r, 50));
  }

  uri(file: string): string {
    return pathToFileURL(path.resolve(this.root, file)).href;
  }

  /** Writes `text` to `file` in the workspace and opens it. */
  async open(file: string, text: string): Promise<string> {
    const full = path.resolve(this.root, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    const uri = this.uri(file);
    this.versions.set(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
    return uri;
  }

  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  /** Replaces the whole text (one full-range incremental change). */
  async replaceAll(uri: string, text: string): Promise<number> {
    return this.change(uri, [{ text }]);
  }

  /** Opens, saves, waits for the run, and returns its status and the VOLT2xx diagnostics it published. */
  async saveAndRun(name: string, text: string): Promise<{ uri: string; status: BacktestStatusParams; backtest: Diagnostic[] }> {
    const uri = await this.open(name, text);
    const n = this.settledCount(uri) + 1;
    await this.save(uri, text);
    const status = await this.backtestSettled(uri, n);
    const diags = await this.diagnosticsFor(uri, (d) => d.some((x) => String(x.code).startsWith('VOLT2')) || status.state === 'done');
    return { uri, status, backtest: diags.filter((d) => String(d.code).startsWith('VOLT2')) };
  }

  /** Writes `text` to disk and sends didSave, as an editor does on save. */
  async save(uri: string, text: string): Promise<void> {
    writeFileSync(fileURLToPath(uri), text);
    await this.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** The diagnostics published for `uri` at its current version. */
  async diagnosticsFor(uri: string, predicate: (d: Diagnostic[]) => boolean = () => true): Promise<Diagnostic[]> {
    return this.until(() => {
      const p = this.diagnostics.get(uri);
      if (!p || (p.version !== undefined && p.version !== this.version(uri))) return undefined;
      return predicate(p.diagnostics) ? p.diagnostics : undefined;
    }, `diagnostics for ${uri} v${this.version(uri)}`);
  }

  /** Waits for the n-th (1-based) backtest status of `uri` that is not 'running'. */
  async backtestSettled(uri: string, n: number, timeoutMs = 20_000): Promise<BacktestStatusParams> {
    return this.until(() => this.statuses.filter((s) => s.uri === uri && s.state !== 'running')[n - 1], `backtest #${n} of ${uri}`, timeoutMs);
  }

  settledCount(uri: string): number {
    return this.statuses.filter((s) => s.uri === uri && s.state !== 'running').length;
  }

  codeLens(uri: string): Promise<CodeLens[]> {
    return this.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  codeActions(uri: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
    return this.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only: ['quickfix'] },
    });
  }

  /** Applies a workspace edit's changes for `uri` to the open document, as an editor would. */
  async applyEdit(uri: string, edit: WorkspaceEdit): Promise<void> {
    const edits = edit.changes?.[uri] ?? [];
    // Sent as one didChange, last edit first so earlier ranges stay valid.
    const sorted = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
    await this.change(uri, sorted.map((e) => ({ range: e.range, text: e.newText })));
  }

  executeCommand<T>(command: string, args: unknown[], workDoneToken?: string): Promise<T> {
    return this.connection.sendRequest('workspace/executeCommand', { command, arguments: args, ...(workDoneToken ? { workDoneToken } : {}) });
  }

  async dispose(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      // already gone
    }
    await this.onDispose();
    this.connection.dispose();
  }
}

function workspace(root: string | undefined): { root: string; cleanup: () => void } {
  if (root) return { root, cleanup: () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-lsp-'));
  return { root: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server in this process, over paired in-memory streams. */
export async function startInBand(options: ClientOptions = {}): Promise<TestClient> {
  const ws = workspace(options.root);
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const server = new VoltServer(serverConnection, { analysisWorkerFile: ANALYSIS_WORKER_FILE });
  server.listen();
  const clientConnection = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const client = new TestClient(clientConnection, ws.root, options, async () => {
    serverConnection.dispose();
    ws.cleanup();
  });
  (client as TestClient & { server: VoltServer }).server = server;
  return client;
}

/** The built `volt-lsp --stdio`, as an editor starts it. */
export async function startBinary(options: ClientOptions = {}): Promise<TestClient & { child: ChildProcess; stderr: () => string }> {
  const ws = workspace(options.root);
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'volt-lsp.js'), '--stdio'], {
    cwd: ws.root,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Writing to a server that already exited (after `exit`) is expected in teardown, not an error.
  child.stdin!.on('error', () => undefined);
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  // Once the server has gone, nothing may be written to it: a late answer to one of its requests
  // would hit the destroyed stdin and surface as an unhandled ERR_STREAM_DESTROYED.
  child.once('exit', () => connection.dispose());
  child.stdin!.once('close', () => connection.dispose());
  const client = new TestClient(connection, ws.root, options, async () => {
    if (child.exitCode === null) {
      await connection.sendNotification('exit').catch(() => undefined);
      await new Promise((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r(undefined);
        }, 3000);
        child.once('exit', () => {
          clearTimeout(t);
          r(undefined);
        });
      });
    }
    ws.cleanup();
  });
  return Object.assign(client, { child, stderr: () => stderr });
}

/** Copies an example strategy (and examples/strategies/lib) into a workspace. */
export function copyExamples(root: string): void {
  cpSync(EXAMPLES, path.join(root, 'strategies'), { recursive: true });
}
