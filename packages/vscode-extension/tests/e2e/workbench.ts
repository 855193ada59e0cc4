/**
 * Driving a real VS Code (code-server 4.100.3) for the end-to-end test: start the server on a free
 * loopback port with fresh extension and user-data folders, open it in Debian's Chromium through
 * playwright-core, and the few gestures the test needs (quick open, command palette, quick picks,
 * Problems panel, screenshots).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Frame, type Page } from 'playwright-core';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface CodeServerDirs {
  /** code-server's out/node/entry.js */
  entry: string;
  extensionsDir: string;
  userDataDir: string;
  /** code-server's own config file, kept out of the user's home. */
  configFile: string;
}

export function codeServerDirs(entry: string, root: string): CodeServerDirs {
  const dirs = {
    entry,
    extensionsDir: path.join(root, 'extensions'),
    userDataDir: path.join(root, 'user-data'),
    configFile: path.join(root, 'code-server.yaml'),
  };
  mkdirSync(dirs.extensionsDir, { recursive: true });
  mkdirSync(path.join(dirs.userDataDir, 'User'), { recursive: true });
  writeFileSync(dirs.configFile, 'auth: none\ncert: false\n');
  return dirs;
}

function baseArgs(dirs: CodeServerDirs): string[] {
  return [dirs.entry, '--config', dirs.configFile, '--extensions-dir', dirs.extensionsDir, '--user-data-dir', dirs.userDataDir];
}

export function writeUserSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): void {
  writeFileSync(path.join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Installs a .vsix the way a user would; returns code-server's own words about it. */
export function installExtension(dirs: CodeServerDirs, vsix: string): string {
  const result = spawnSync(process.execPath, [...baseArgs(dirs), '--install-extension', vsix], { encoding: 'utf8', timeout: 120_000 });
  const said = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || !/successfully installed/i.test(said)) {
    throw new Error(`code-server did not install ${vsix} (exit ${result.status}):\n${said}`);
  }
  return said;
}

export interface RunningCodeServer {
  url: string;
  log: () => string;
  stop: () => Promise<void>;
}

export async function startCodeServer(dirs: CodeServerDirs, workspace: string): Promise<RunningCodeServer> {
  const port = await freePort();
  const args = [
    ...baseArgs(dirs),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    workspace,
  ];
  // Its own process group, so stopping it also stops the extension host and the sidecar it started.
  const child: ChildProcess = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start listening within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('HTTP server listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code}) before listening:\n${output}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { url: `http://127.0.0.1:${port}/`, log: () => output, stop };
}

export function chromiumPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('chromium is not on PATH; the VS Code end-to-end test needs it: apt-get install -y chromium (scripts/setup.sh does this in CI)');
  return found;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Every console message of the page and its frames (webviews included), as "type: text". */
  console: string[];
  screenshot(name: string): Promise<void>;
}

export async function openWorkbench(url: string, workspace: string, artifacts: string): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const messages: string[] = [];
  page.on('console', (m: ConsoleMessage) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  mkdirSync(artifacts, { recursive: true });
  let shot = 0;
  return {
    browser,
    page,
    console: messages,
    screenshot: async (name) => {
      await page.screenshot({ path: path.join(artifacts, `${String(++shot).padStart(2, '0')}-${name}.png`) });
    },
  };
}

const QUICK_INPUT = '.quick-input-widget';

/**
 * Ctrl+P, a file name, and a click on its row (not Enter, which goes wherever the keyboard is).
 * Asked again (up to three times) when no tab of the file comes up.
 */
export async function quickOpen(page: Page, fileName: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      await page.waitForSelector(`${QUICK_INPUT} input`, { state: 'visible' });
      await page.keyboard.type(fileName);
      const row = page.locator(`${QUICK_INPUT} .monaco-list-row[aria-label*="${fileName}"]`).first();
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      await page.waitForSelector(`.tab[aria-label*="${fileName}"]`, { timeout: attempt < 3 ? 10_000 : 30_000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** F1 and a command's title, as a user runs a palette command. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.waitForSelector(`${QUICK_INPUT} input`, { state: 'visible' });
  await page.keyboard.type(title);
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: title }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
}

/** Waits for a quick pick whose title contains `title`; returns the labels it offers. */
export async function quickPickShown(page: Page, title: string | RegExp, timeout = 60_000): Promise<string[]> {
  const widget = page.locator(QUICK_INPUT);
  await widget.locator('.quick-input-title', { hasText: title }).waitFor({ timeout });
  return widget.locator('.monaco-list-row').allInnerTexts();
}

export async function pickItem(page: Page, label: string | RegExp): Promise<void> {
  await page.locator(`${QUICK_INPUT} .monaco-list-row`, { hasText: label }).first().click();
}

/** The frame holding a webview's content: the inner frame that has `selector`. */
export async function webviewFrame(page: Page, selector: string, timeout = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame with ${selector} within ${timeout} ms`);
}
