/**
 * A STAND-IN for the `obsidian` module, for tests only: Obsidian itself cannot be installed on these
 * machines. It has only what obsidian-volt uses, behaving as Obsidian documents it: the DOM helpers
 * Obsidian adds to every element (createEl, createDiv, empty, setText, addClass, …), Plugin's
 * registrations (recorded, so tests can run a command or open a view), ItemView, Modal, Notice
 * (every message kept in `notices`), Setting, PluginSettingTab, MarkdownRenderChild and
 * FileSystemAdapter. vitest aliases `obsidian` to it; the browser tests bundle it into the page, so
 * the views draw into a real Chromium DOM. Where there is no DOM (Node), elements are tiny records.
 */

type DomInfo = { cls?: string | string[]; text?: string; attr?: Record<string, string | number | boolean | null>; type?: string; value?: string; href?: string; placeholder?: string };

/** Every Notice shown, oldest first. */
export const notices: string[] = [];

// ------------------------------------------------------------------ DOM helpers Obsidian adds

function applyInfo(el: HTMLElement, info: DomInfo | string | undefined): void {
  if (info === undefined) return;
  if (typeof info === 'string') info = { cls: info };
  if (info.cls) el.classList.add(...(Array.isArray(info.cls) ? info.cls : info.cls.split(/\s+/)).filter(Boolean));
  if (info.text !== undefined) el.textContent = info.text;
  for (const [k, v] of Object.entries(info.attr ?? {})) if (v !== null && v !== false) el.setAttribute(k, String(v));
  if (info.type !== undefined) el.setAttribute('type', info.type);
  if (info.href !== undefined) el.setAttribute('href', info.href);
  if (info.placeholder !== undefined) el.setAttribute('placeholder', info.placeholder);
  if (info.value !== undefined) (el as HTMLInputElement).value = info.value;
}

if (typeof HTMLElement !== 'undefined') {
  const p = HTMLElement.prototype as unknown as Record<string, unknown>;
  p.createEl = function (this: HTMLElement, tag: string, info?: DomInfo | string, callback?: (el: HTMLElement) => void) {
    const el = document.createElement(tag);
    applyInfo(el, info);
    this.appendChild(el);
    callback?.(el);
    return el;
  };
  p.createDiv = function (this: HTMLElement, info?: DomInfo | string) {
    return (this as unknown as { createEl: (t: string, i?: DomInfo | string) => HTMLElement }).createEl('div', info);
  };
  p.createSpan = function (this: HTMLElement, info?: DomInfo | string) {
    return (this as unknown as { createEl: (t: string, i?: DomInfo | string) => HTMLElement }).createEl('span', info);
  };
  p.empty = function (this: HTMLElement) {
    while (this.firstChild) this.removeChild(this.firstChild);
  };
  p.setText = function (this: HTMLElement, text: string) {
    this.textContent = text;
  };
  p.appendText = function (this: HTMLElement, text: string) {
    this.appendChild(document.createTextNode(text));
  };
  p.addClass = function (this: HTMLElement, ...cls: string[]) {
    this.classList.add(...cls);
  };
  p.removeClass = function (this: HTMLElement, ...cls: string[]) {
    this.classList.remove(...cls);
  };
  p.setAttr = function (this: HTMLElement, name: string, value: string | number | boolean | null) {
    if (value === null) this.removeAttribute(name);
    else this.setAttribute(name, String(value));
  };
}

/** An element: a real one in a browser, a record of its text in Node. */
export function element(cls?: string): HTMLElement {
  if (typeof document !== 'undefined') {
    const el = document.createElement('div');
    if (cls) el.className = cls;
    return el;
  }
  // Its text is its own and its children's, as a DOM element's textContent; classes are kept.
  let own = '';
  const children: HTMLElement[] = [];
  const rec = {
    classes: new Set(cls ? [cls] : []),
    children,
    get textContent(): string {
      return own + children.map((c) => c.textContent).join('');
    },
    set textContent(t: string) {
      own = t;
      children.length = 0;
    },
    setText(t: string) {
      rec.textContent = t;
    },
    empty() {
      rec.textContent = '';
    },
    addClass(...c: string[]) {
      for (const x of c) rec.classes.add(x);
    },
    createDiv(info?: DomInfo | string) {
      const child = element(typeof info === 'string' ? info : typeof info?.cls === 'string' ? info.cls : undefined);
      if (typeof info === 'object' && info.text !== undefined) child.textContent = info.text;
      children.push(child);
      return child;
    },
  };
  return rec as unknown as HTMLElement;
}

// ------------------------------------------------------------------ components

export class Component {
  private children: Component[] = [];
  private cleanups: (() => void)[] = [];
  load(): void {
    this.onload();
  }
  onload(): void {}
  unload(): void {
    for (const c of this.children.splice(0)) c.unload();
    for (const f of this.cleanups.splice(0)) f();
    this.onunload();
  }
  onunload(): void {}
  addChild<T extends Component>(child: T): T {
    this.children.push(child);
    child.load();
    return child;
  }
  register(cb: () => void): void {
    this.cleanups.push(cb);
  }
}

export class MarkdownRenderChild extends Component {
  constructor(public containerEl: HTMLElement) {
    super();
  }
}

/** Where a block sits in its note: the note's whole text and the block's first and last lines. */
export interface MarkdownSectionInformation {
  text: string;
  lineStart: number;
  lineEnd: number;
}

/** What a code block processor is handed besides the body (Obsidian may not know the section: null). */
export interface MarkdownPostProcessorContext {
  sourcePath: string;
  addChild(child: Component): void;
  getSectionInfo(el: HTMLElement): MarkdownSectionInformation | null;
}

export class Notice {
  constructor(public message: string) {
    notices.push(message);
  }
  setMessage(message: string): this {
    this.message = message;
    notices.push(message);
    return this;
  }
  hide(): void {}
}

// ------------------------------------------------------------------ workspace, views, modals

export class WorkspaceLeaf {
  view: ItemView | undefined;
  constructor(readonly app: App) {}
  async setViewState(state: { type: string; state?: unknown }): Promise<void> {
    const creator = this.app.viewCreators.get(state.type);
    if (!creator) throw new Error(`stand-in: no view registered as ${state.type}`);
    this.view = creator(this);
    // In a browser the leaf's pane is in the page, as in Obsidian's workspace (a chart sizes to it).
    if (typeof document !== 'undefined') document.body.appendChild(this.view.containerEl);
    await this.view.onOpen();
    if (state.state !== undefined) await this.view.setState(state.state, { history: false });
  }
}

export abstract class ItemView extends Component {
  readonly containerEl = element('workspace-leaf-content');
  readonly contentEl: HTMLElement;
  app: App;
  constructor(readonly leaf: WorkspaceLeaf) {
    super();
    this.app = leaf.app;
    this.contentEl = typeof document !== 'undefined' ? ((this.containerEl as unknown as { createDiv: (c: string) => HTMLElement }).createDiv('view-content')) : element('view-content');
  }
  abstract getViewType(): string;
  abstract getDisplayText(): string;
  getIcon(): string {
    return 'document';
  }
  getState(): Record<string, unknown> {
    return {};
  }
  async setState(_state: unknown, _result: { history: boolean }): Promise<void> {}
  async onOpen(): Promise<void> {}
  async onClose(): Promise<void> {}
}

export class Modal {
  readonly modalEl = element('modal');
  readonly titleEl = element('modal-title');
  readonly contentEl = element('modal-content');
  /** Open modals, for tests. */
  static open: Modal[] = [];
  constructor(readonly app: App) {
    if (typeof document !== 'undefined') {
      this.modalEl.appendChild(this.titleEl);
      this.modalEl.appendChild(this.contentEl);
    }
  }
  open(): void {
    Modal.open.push(this);
    if (typeof document !== 'undefined') document.body.appendChild(this.modalEl);
    this.onOpen();
  }
  close(): void {
    Modal.open = Modal.open.filter((m) => m !== this);
    this.onClose();
    if (typeof document !== 'undefined') this.modalEl.remove();
  }
  onOpen(): void {}
  onClose(): void {}
}

export class FileSystemAdapter {
  constructor(private readonly base: string) {}
  getBasePath(): string {
    return this.base;
  }
}

export interface TFile {
  path: string;
}

/** The App the plugin sees: a vault folder, an active note with its frontmatter, views by type. */
export class App {
  readonly viewCreators = new Map<string, (leaf: WorkspaceLeaf) => ItemView>();
  readonly leaves: WorkspaceLeaf[] = [];
  activeFile: TFile | null = null;
  frontmatter = new Map<string, Record<string, unknown>>();
  readonly vault: { adapter: FileSystemAdapter };
  private readyCallbacks: (() => void)[] = [];
  readonly workspace = {
    getActiveFile: (): TFile | null => this.activeFile,
    getLeavesOfType: (type: string): WorkspaceLeaf[] => this.leaves.filter((l) => l.view?.getViewType() === type),
    getLeaf: (): WorkspaceLeaf => {
      const leaf = new WorkspaceLeaf(this);
      this.leaves.push(leaf);
      return leaf;
    },
    revealLeaf: async (_leaf: WorkspaceLeaf): Promise<void> => {},
    onLayoutReady: (cb: () => void): void => void this.readyCallbacks.push(cb),
  };
  readonly metadataCache = {
    getFileCache: (file: TFile): { frontmatter?: Record<string, unknown> } | null => {
      const fm = this.frontmatter.get(file.path);
      return fm ? { frontmatter: fm } : null;
    },
  };
  constructor(vaultRoot: string) {
    this.vault = { adapter: new FileSystemAdapter(vaultRoot) };
  }
  /** What Obsidian does once its layout is up. */
  layoutReady(): void {
    for (const cb of this.readyCallbacks.splice(0)) cb();
  }
}

// ------------------------------------------------------------------ plugin and settings

export interface Command {
  id: string;
  name: string;
  callback?: () => unknown;
  checkCallback?: (checking: boolean) => boolean | void;
}

export interface PluginManifest {
  id: string;
  name: string;
  version: string;
  dir?: string;
}

export class Plugin extends Component {
  readonly commands: Command[] = [];
  readonly ribbon: { icon: string; title: string; callback: (evt: MouseEvent) => unknown }[] = [];
  readonly statusBar: HTMLElement[] = [];
  readonly settingTabs: PluginSettingTab[] = [];
  readonly codeBlocks = new Map<string, (source: string, el: HTMLElement, ctx: MarkdownPostProcessorContext) => unknown>();
  data: unknown = null;
  constructor(
    readonly app: App,
    readonly manifest: PluginManifest,
  ) {
    super();
  }
  async loadData(): Promise<unknown> {
    return this.data;
  }
  async saveData(data: unknown): Promise<void> {
    this.data = JSON.parse(JSON.stringify(data));
  }
  addCommand(command: Command): Command {
    this.commands.push(command);
    return command;
  }
  addRibbonIcon(icon: string, title: string, callback: (evt: MouseEvent) => unknown): HTMLElement {
    this.ribbon.push({ icon, title, callback });
    return element();
  }
  addStatusBarItem(): HTMLElement {
    const el = element('status-bar-item');
    this.statusBar.push(el);
    return el;
  }
  registerView(type: string, creator: (leaf: WorkspaceLeaf) => ItemView): void {
    this.app.viewCreators.set(type, creator);
  }
  addSettingTab(tab: PluginSettingTab): void {
    this.settingTabs.push(tab);
  }
  registerMarkdownCodeBlockProcessor(language: string, handler: (source: string, el: HTMLElement, ctx: MarkdownPostProcessorContext) => unknown): void {
    this.codeBlocks.set(language, handler);
  }
}

export abstract class PluginSettingTab {
  readonly containerEl = element('vertical-tab-content');
  constructor(
    readonly app: App,
    readonly plugin: Plugin,
  ) {}
  abstract display(): void;
}

interface TextComponent {
  inputEl: HTMLInputElement;
  setPlaceholder(p: string): TextComponent;
  setValue(v: string): TextComponent;
  onChange(cb: (v: string) => unknown): TextComponent;
}
interface ToggleComponent {
  setValue(v: boolean): ToggleComponent;
  onChange(cb: (v: boolean) => unknown): ToggleComponent;
}

/** One row of a settings tab; its controls are kept in `Setting.rows` so tests can type into them. */
export class Setting {
  static rows: { name: string; change: (v: string | boolean) => unknown; value: () => string | boolean }[] = [];
  private name = '';
  constructor(readonly containerEl: HTMLElement) {}
  setName(name: string): this {
    this.name = name;
    return this;
  }
  setDesc(_desc: string): this {
    return this;
  }
  addText(cb: (text: TextComponent) => unknown): this {
    let value = '';
    let change: (v: string) => unknown = () => undefined;
    const text: TextComponent = {
      inputEl: {} as HTMLInputElement,
      setPlaceholder: () => text,
      setValue: (v) => ((value = v), text),
      onChange: (f) => ((change = f), text),
    };
    cb(text);
    Setting.rows.push({ name: this.name, change: (v) => change(String(v)), value: () => value });
    return this;
  }
  addToggle(cb: (toggle: ToggleComponent) => unknown): this {
    let value = false;
    let change: (v: boolean) => unknown = () => undefined;
    const toggle: ToggleComponent = { setValue: (v) => ((value = v), toggle), onChange: (f) => ((change = f), toggle) };
    cb(toggle);
    Setting.rows.push({ name: this.name, change: (v) => change(Boolean(v)), value: () => value });
    return this;
  }
}

export type ViewStateResult = { history: boolean };
