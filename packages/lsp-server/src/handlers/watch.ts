/**
 * Files on disk: chokidar watches every local file an open strategy bundles (and volt.config.json);
 * a change re-runs each strategy that uses it, once the file has held still.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { readText, uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

/** Quiet time after a change on disk before it is acted on. */
const DISK_QUIET_MS = 100;

export class WatchHandler {
  private watcher: FSWatcher | undefined;
  /** Watched file → URIs of the strategies that bundle it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** What each open strategy bundled at its last run. */
  private readonly inputs = new Map<string, string[]>();
  private readonly diskTimers = new Map<string, NodeJS.Timeout>();
  private configFile: string | undefined;

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  watchConfigFile(file: string): void {
    this.configFile = path.resolve(file);
    this.ensureWatcher().add(this.configFile);
    this.dependents.set(this.configFile, new Set());
  }

  watchInputs(uri: string, inputs: string[]): void {
    const before = this.inputs.get(uri) ?? [];
    const added = inputs.filter((f) => !before.includes(f));
    const removed = before.filter((f) => !inputs.includes(f));
    this.inputs.set(uri, inputs);
    for (const f of removed) this.dropDependent(f, uri);
    if (added.length === 0) return;
    const watcher = this.ensureWatcher();
    for (const f of added) {
      const key = path.resolve(f);
      let set = this.dependents.get(key);
      if (!set) {
        set = new Set();
        this.dependents.set(key, set);
        watcher.add(key);
      }
      set.add(uri);
    }
  }

  unwatchFor(uri: string): void {
    for (const f of this.inputs.get(uri) ?? []) this.dropDependent(f, uri);
    this.inputs.delete(uri);
  }

  async dispose(): Promise<void> {
    for (const t of this.diskTimers.values()) clearTimeout(t);
    await this.watcher?.close();
  }

  private ensureWatcher(): FSWatcher {
    if (!this.watcher) {
      this.watcher = watch([], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 30, pollInterval: 10 } });
      this.watcher.on('change', (changed: string) => this.onDiskChange(path.resolve(changed)));
      this.watcher.on('add', (changed: string) => this.onDiskChange(path.resolve(changed)));
    }
    return this.watcher;
  }

  private onDiskChange(file: string): void {
    if (file === this.configFile) {
      void this.features.settings.configFileChanged();
      return;
    }
    // Editors write in place (truncate, then write): wait until the file has been quiet a moment.
    const pending = this.diskTimers.get(file);
    if (pending) {
      pending.refresh();
      return;
    }
    this.diskTimers.set(file, setTimeout(() => {
      this.diskTimers.delete(file);
      void this.actOnDiskChange(file);
    }, DISK_QUIET_MS));
  }

  private async actOnDiskChange(file: string): Promise<void> {
    const seen = readText(file);
    const documents = this.state.documents;
    for (const uri of this.dependents.get(file) ?? []) {
      const doc = documents.get(uri);
      if (doc && uriToPath(uri) === file) {
        const buffer = doc.getText();
        if (seen === buffer) {
          // The editor's own save of an open strategy arrives as didSave: the watcher's echo of it
          // (disk text equal to the buffer) is not a new change, unless the last run was of other
          // text (a git checkout the editor reloaded): its findings are of code that is gone.
          if (!this.features.runs.ranOtherText(uri, buffer)) continue;
        } else {
          // Something else wrote it, or is writing it: act only once the text holds still.
          await new Promise((r) => setTimeout(r, DISK_QUIET_MS));
          const now = readText(file);
          if (now !== seen || now === documents.get(uri)?.getText()) continue;
        }
      }
      void this.features.runs.backtestOnSave(uri, 'disk');
    }
  }

  private dropDependent(file: string, uri: string): void {
    const key = path.resolve(file);
    const set = this.dependents.get(key);
    if (!set) return;
    set.delete(uri);
    if (set.size === 0) {
      this.dependents.delete(key);
      this.watcher?.unwatch(key);
    }
  }
}
