/**
 * A small stand-in for the `vscode` module, for unit tests of the extension's logic outside VS Code
 * (vitest.config.ts aliases `vscode` here). It implements only what src/ uses, records what the
 * extension shows, and answers quick picks and input boxes from a script the test sets. The real
 * thing is exercised by tests/e2e.test.ts in code-server.
 */
type Listener<T> = (e: T) => unknown;

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static parse(text: string): Uri {
    const m = /^([a-z-]+):\/\/(.*)$/.exec(text);
    return m ? new Uri(m[1]!, decodeURIComponent(m[2]!)) : new Uri('file', text);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...parts].join('/'));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export class CancellationTokenSource {
  token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
  cancel(): void {
    this.token.isCancellationRequested = true;
  }
}

/** What the extension showed, in order: messages, quick picks (with their items), documents opened. */
export interface Shown {
  kind: 'info' | 'warning' | 'error' | 'quickPick' | 'inputBox' | 'document' | 'progress' | 'progressReport';
  text: string;
  items?: { label: string; description?: string; detail?: string }[];
  selection?: Range;
  /** The editor column a document was shown in (ViewColumn), when the extension named one. */
  column?: number;
}

export const recorded = {
  shown: [] as Shown[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as { command: string; args: unknown[] }[],
  /** Answers for the next quick picks: a label to pick (or a predicate), or undefined to dismiss. */
  quickPickAnswers: [] as (string | ((item: { label: string }) => boolean) | undefined)[],
  inputBoxAnswers: [] as (string | undefined)[],
  /** `inspect()` results by dotted key under the section asked for. */
  settings: new Map<string, { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown; defaultValue?: unknown }>(),
  inspected: new Set<string>(),
  activeFile: undefined as string | undefined,
  webviews: [] as StandInWebviewPanel[],
  workspaceFiles: [] as string[],
};

export function resetStandIn(): void {
  recorded.shown = [];
  recorded.commands.clear();
  recorded.executed = [];
  recorded.quickPickAnswers = [];
  recorded.inputBoxAnswers = [];
  recorded.settings.clear();
  recorded.inspected.clear();
  recorded.activeFile = undefined;
  recorded.webviews = [];
  recorded.workspaceFiles = [];
}

class StandInWebview {
  html = '';
  cspSource = 'vscode-webview://stand-in';
  posted: unknown[] = [];
  private listeners: Listener<unknown>[] = [];
  asWebviewUri(uri: Uri): Uri {
    return Uri.parse(`https://stand-in.vscode-resource${uri.path}`);
  }
  postMessage(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }
  onDidReceiveMessage(listener: Listener<unknown>) {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  }
  /** What the page's script would send. */
  fromPage(message: unknown): void {
    for (const l of this.listeners) l(message);
  }
}

export class StandInWebviewPanel {
  webview = new StandInWebview();
  title: string;
  viewColumn = ViewColumn.One;
  revealed = 0;
  private disposeListeners: Listener<void>[] = [];
  constructor(
    readonly viewType: string,
    title: string,
  ) {
    this.title = title;
  }
  reveal(): void {
    this.revealed++;
  }
  onDidDispose(listener: Listener<void>) {
    this.disposeListeners.push(listener);
    return { dispose: () => undefined };
  }
  dispose(): void {
    for (const l of this.disposeListeners) l(undefined);
  }
}

function pickFrom<T extends { label: string }>(items: T[]): T | undefined {
  const answer = recorded.quickPickAnswers.shift();
  if (answer === undefined) return undefined;
  const found = items.find(typeof answer === 'string' ? (i) => i.label === answer : answer);
  if (!found) throw new Error(`stand-in quick pick: no item matches ${String(answer)} among ${items.map((i) => i.label).join(' | ')}`);
  return found;
}

const document = (path: string) => ({ uri: Uri.file(path), fileName: path });

export const window = {
  get activeTextEditor() {
    return recorded.activeFile ? { document: document(recorded.activeFile) } : undefined;
  },
  get visibleTextEditors() {
    return recorded.activeFile ? [{ document: document(recorded.activeFile) }] : [];
  },
  showInformationMessage(text: string) {
    recorded.shown.push({ kind: 'info', text });
    return Promise.resolve(undefined);
  },
  showWarningMessage(text: string) {
    recorded.shown.push({ kind: 'warning', text });
    return Promise.resolve(undefined);
  },
  showErrorMessage(text: string) {
    recorded.shown.push({ kind: 'error', text });
    return Promise.resolve(undefined);
  },
  async showQuickPick<T extends { label: string; description?: string; detail?: string }>(items: T[] | Promise<T[]>, options?: { title?: string }) {
    const list = await items;
    recorded.shown.push({ kind: 'quickPick', text: options?.title ?? '', items: list.map(({ label, description, detail }) => ({ label, description, detail })) });
    return pickFrom(list);
  },
  showInputBox(options?: { title?: string; validateInput?: (v: string) => string | undefined }) {
    const answer = recorded.inputBoxAnswers.shift();
    recorded.shown.push({ kind: 'inputBox', text: options?.title ?? '' });
    if (answer !== undefined && options?.validateInput?.(answer)) return Promise.resolve(undefined);
    return Promise.resolve(answer);
  },
  showTextDocument(uri: Uri, options?: { selection?: Range; viewColumn?: number }) {
    recorded.shown.push({ kind: 'document', text: uri.path, selection: options?.selection, ...(options?.viewColumn !== undefined ? { column: options.viewColumn } : {}) });
    return Promise.resolve({});
  },
  withProgress<R>(options: { title?: string }, task: (progress: unknown, token: unknown) => Promise<R>) {
    recorded.shown.push({ kind: 'progress', text: options.title ?? '' });
    const progress = { report: (value: { message?: string }) => recorded.shown.push({ kind: 'progressReport', text: value.message ?? '' }) };
    return task(progress, new CancellationTokenSource().token);
  },
  createOutputChannel(name: string) {
    const lines: string[] = [];
    return { name, lines, appendLine: (l: string) => lines.push(l), show() {}, dispose() {} };
  },
  createStatusBarItem() {
    return { text: '', tooltip: '' as unknown, command: '' as unknown, shown: false, show() { this.shown = true; }, dispose() {} };
  },
  createWebviewPanel(viewType: string, title: string) {
    const panel = new StandInWebviewPanel(viewType, title);
    recorded.webviews.push(panel);
    return panel;
  },
};

export const workspace = {
  getConfiguration(section?: string) {
    const key = (k: string) => (section ? `${section}.${k}` : k);
    return {
      inspect(k: string) {
        recorded.inspected.add(key(k));
        const s = recorded.settings.get(key(k));
        return { key: key(k), ...s };
      },
      get<T>(k: string, fallback?: T): T | undefined {
        recorded.inspected.add(key(k));
        const s = recorded.settings.get(key(k));
        return (s?.workspaceFolderValue ?? s?.workspaceValue ?? s?.globalValue ?? s?.defaultValue ?? fallback) as T | undefined;
      },
    };
  },
  asRelativePath(uri: Uri | string) {
    const path = typeof uri === 'string' ? uri : uri.path;
    return path.replace(/^.*\/(?=[^/]+\/[^/]+$)/, '');
  },
  findFiles() {
    return Promise.resolve(recorded.workspaceFiles.map((f) => Uri.file(f)));
  },
  onDidChangeConfiguration() {
    return { dispose() {} };
  },
};

export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown) {
    if (recorded.commands.has(id)) throw new Error(`command '${id}' already exists`);
    recorded.commands.set(id, handler);
    return { dispose: () => recorded.commands.delete(id) };
  },
  executeCommand(command: string, ...args: unknown[]) {
    recorded.executed.push({ command, args });
    const handler = recorded.commands.get(command);
    return Promise.resolve(handler?.(...args));
  },
};
