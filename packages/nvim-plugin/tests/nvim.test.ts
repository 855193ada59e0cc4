// Runs the plugin's Lua test scripts in a real headless Neovim, against the real built sidecar, and
// reads their exit status. No part of Neovim is mocked: each script drives the editor the way a user
// would and ends with `qall!` (pass) or `cquit 1` (fail).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pluginRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repoRoot = resolve(pluginRoot, '../..');

function nvimVersion(): string | null {
  const probe = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  return probe.stdout.split('\n')[0] ?? 'nvim';
}

// Neovim's own state (LSP log, shada) goes to a throwaway home so runs never read a user's config.
const home = mkdtempSync(join(tmpdir(), 'volt-nvim-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface NvimRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runScript(script: string, timeoutMs: number): Promise<NvimRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('nvim', ['--headless', '-u', 'tests/minimal_init.lua', '-c', `luafile tests/${script}`], {
      cwd: pluginRoot,
      env: {
        ...process.env,
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_DATA_HOME: join(home, 'data'),
        XDG_STATE_HOME: join(home, 'state'),
        XDG_CACHE_HOME: join(home, 'cache'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A hung editor must not hang the suite: kill it and report what it printed so far.
    const timer = setTimeout(() => {
      output += `\n[nvim.test] ${script} still running after ${timeoutMs} ms: killed\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) =>
      reject(new Error(`cannot start nvim (${error.message}): run \`bash scripts/setup.sh\` to install it`)),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, output });
    });
  });
}

async function expectScriptPasses(script: string, timeoutMs: number): Promise<void> {
  const run = await runScript(script, timeoutMs);
  const status = run.signal ? `signal ${run.signal}` : `exit ${run.code}`;
  expect(run.code, `nvim ${script} ended with ${status}; its output:\n${run.output}`).toBe(0);
}

describe('volt.nvim in headless Neovim', () => {
  it('has nvim installed (bash scripts/setup.sh installs Debian\'s neovim)', () => {
    // Fails rather than skips: CI installs Neovim, so its absence is a broken setup, not a choice.
    expect(nvimVersion(), 'nvim is not on PATH: run `bash scripts/setup.sh` (apt-get install neovim)').not.toBeNull();
  });

  it('mirrors the protocol names of packages/lsp-server/src/protocol.ts', async () => {
    await expectScriptPasses('protocol_spec.lua', 30_000);
  });

  it('renders backtest, journal and agent reports', async () => {
    await expectScriptPasses('render_spec.lua', 30_000);
  });

  it('ships :help that helptags accepts, every command and link resolving', async () => {
    await expectScriptPasses('docs_spec.lua', 30_000);
  });

  it('reports health: server, node, journal and Ollama', async () => {
    expect(existsSync(join(repoRoot, 'packages/lsp-server/dist')), 'build the sidecar first: npx tsc -b').toBe(true);
    await expectScriptPasses('health_spec.lua', 60_000);
  }, 90_000);

  it('finds an installed volt-lsp before a checkout and reports its version', async () => {
    await expectScriptPasses('locate_spec.lua', 90_000);
  }, 120_000);

  it('attaches the sidecar: diagnostics, a code action, code lens after save, hover', async () => {
    await expectScriptPasses('lsp_spec.lua', 150_000);
  }, 180_000);

  it('never stops at "Press ENTER": failures on one line at 80 columns, with a UI attached', async () => {
    await expectScriptPasses('prompt_spec.lua', 120_000);
  }, 150_000);

  it('gives 0.11\'s vim.lsp.config a config that starts a working client', async () => {
    await expectScriptPasses('lsp_config_spec.lua', 120_000);
  }, 150_000);

  it('shows volt.config.json problems as diagnostics on the file', async () => {
    await expectScriptPasses('config_spec.lua', 90_000);
  }, 120_000);

  it('restarts a sidecar that exits unasked, with a backoff and a cap, on one short line each time', async () => {
    await expectScriptPasses('restart_spec.lua', 150_000);
  }, 180_000);

  it('runs :VoltOptimize: progress, the report float, and the code action that writes the params', async () => {
    await expectScriptPasses('optimize_spec.lua', 150_000);
  }, 180_000);

  it(':VoltSuggest says what was offered and refused, and the VOLT207 code action writes the value', async () => {
    await expectScriptPasses('suggest_spec.lua', 150_000);
  }, 180_000);

  it(':VoltPaper starts a paper session of the strategy, :VoltAgentStatus lists it, :VoltPaperStop ends it', async () => {
    await expectScriptPasses('paper_spec.lua', 120_000);
  }, 150_000);

  it(':VoltDraft {idea} tells each attempt and opens only the proven draft, its report beside it', async () => {
    await expectScriptPasses('draft_spec.lua', 150_000);
  }, 180_000);

  it('runs :VoltBacktest, :VoltAnalyze, :VoltJournal and :VoltAgentStatus', async () => {
    await expectScriptPasses('commands_spec.lua', 150_000);
  }, 180_000);
});
