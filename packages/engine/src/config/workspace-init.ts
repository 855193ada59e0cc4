/**
 * A folder set up for writing strategies, as `volt init` and VS Code's "Volt: New Strategy Folder"
 * make it: volt.config.json, an example strategy, .gitignore entries for what runs write, and for
 * the editor a tsconfig.json whose relative `paths` point '@volt/engine' at a copy of the engine's
 * declarations inside the folder. Every face calls this; none writes the files itself.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STRATEGY_GLOBALS } from '../analysis/index.js';
import { VoltError } from '../errors.js';
import { engineVersion } from '../version.js';
import { CONFIG_FILE, DEFAULT_CONFIG } from './load.js';

export const EXAMPLE_STRATEGY_FILE = path.join('strategies', 'rsi-mean-reversion.strategy.ts');

/** The example a new folder starts with; the same text as examples/strategies/rsi-mean-reversion.strategy.ts. */
export const EXAMPLE_STRATEGY = `/**
 * RSI mean reversion
 *
 * Idea:    after a sharp sell-off price tends to snap back towards its average. RSI(14) measures
 *          how stretched the move is; below \`oversold\` sellers are exhausted.
 * Entry:   go long when RSI turns back up through \`oversold\` (the dip is over, not still falling),
 *          and only while price is above its long moving average, so we buy dips in an uptrend
 *          rather than catch a falling knife.
 * Exit:    when RSI recovers to \`exitLevel\` (the snap-back has happened), or by the stop/target.
 * Risk:    4% stop-loss, 8% take-profit, at most 10% of equity per position. Long only.
 */
import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI mean reversion',
  timeframe: '1h',
  symbols: ['BTC/USDT'],
  params: {
    rsiPeriod: { value: 14, min: 5, max: 30, step: 1, description: 'RSI lookback in bars' },
    oversold: { value: 35, min: 10, max: 45, step: 1, description: 'RSI level that counts as a washed-out dip' },
    exitLevel: { value: 55, min: 45, max: 80, step: 1, description: 'RSI level at which the bounce is taken' },
    trendPeriod: { value: 200, min: 50, max: 400, step: 10, description: 'moving average that defines the uptrend' },
  },
  indicators: (ind, p) => ({
    rsi: ind.rsi(p.rsiPeriod),
    trend: ind.sma(p.trendPeriod),
  }),
  onBar(ctx) {
    const { rsi, trend } = ctx.ind;
    if (!rsi.ready || !trend.ready) return;
    const previous = ctx.state.previousRsi as number | undefined;
    ctx.state.previousRsi = rsi.value;
    if (previous === undefined) return;

    if (ctx.position.side === 0) {
      const turnedUp = previous < ctx.params.oversold && rsi.value >= ctx.params.oversold;
      if (turnedUp && ctx.bar.close > trend.value) {
        // The deeper the dip was, the more room for the snap-back.
        const depth = (ctx.params.oversold - Math.min(previous, ctx.params.oversold)) / ctx.params.oversold;
        ctx.buy({
          confidence: Math.min(0.9, 0.55 + depth),
          reason: \`RSI turned up through \${ctx.params.oversold} (\${previous.toFixed(1)} → \${rsi.value.toFixed(1)}) in an uptrend\`,
        });
      }
    } else if (ctx.position.side === 1 && rsi.value >= ctx.params.exitLevel) {
      ctx.exit({ confidence: 0.7, reason: \`RSI back to \${rsi.value.toFixed(1)}: bounce taken\` });
    }
  },
  risk: {
    stopLoss: 0.04,
    takeProfit: 0.08,
    maxPositionPct: 0.1,
  },
});
`;

/**
 * Where the scaffold keeps the engine's type declarations, relative to the folder. Strategies import
 * '@volt/engine' without installing it (volt supplies it when it loads them), so the editor needs
 * the types from somewhere: a copy inside the folder, made from the engine this `volt` runs, works
 * wherever the folder goes (a clone on another machine, a colleague's editor) and records nothing of
 * this machine. `volt init --types` refreshes it after an upgrade.
 */
export const ENGINE_TYPES_DIR = path.join('types', 'volt-engine');

/**
 * This engine's dist/, where its declarations are: one folder up from this module when it runs
 * built (dist/config/), else the built dist/ beside the sources (tests run the sources).
 */
export function engineDist(): string {
  const here = fileURLToPath(new URL('..', import.meta.url));
  return existsSync(path.join(here, 'index.d.ts')) ? here : path.resolve(here, '..', 'dist');
}

export interface InitOptions {
  /** A folder laid out as the engine's dist/ (index.d.ts and the rest); default: this engine's
   * (the VS Code extension names the declarations it bundles). */
  engineDist?: string;
}

/** Every declaration file of the engine's dist/, as [path relative to dist/, text]; maps, tests and any node_modules left out. */
export function engineDeclarations(dist: string = engineDist()): Array<[string, string]> {
  if (!existsSync(path.join(dist, 'index.d.ts'))) {
    throw new VoltError({
      kind: 'config',
      message: `the engine's type declarations are missing (${path.join(dist, 'index.d.ts')})`,
      hint: 'reinstall Volt (npm install -g @volt/cli), or in a checkout run npm run build',
    });
  }
  const out: Array<[string, string]> = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dist, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(child);
      }
      else if (entry.name.endsWith('.d.ts') && !entry.name.includes('.test.')) out.push([child, readFileSync(path.join(dist, child), 'utf8')]);
    }
  };
  walk('');
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** The version the declarations are of: the package.json beside the folder they come from. */
function typesVersion(dist: string | undefined): string {
  if (dist === undefined) return engineVersion();
  try {
    return String((JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8')) as { version?: unknown }).version ?? engineVersion());
  } catch {
    return engineVersion();
  }
}

/**
 * The files of the types folder: the declarations, the globals a strategy can reach at run time
 * (console, timers…: the sidecar's own list, as no @types/node is there), and a package.json that
 * says which engine they are of.
 */
export function typesFiles(dist?: string): Array<[string, string]> {
  const stamp = { name: '@volt/engine', version: typesVersion(dist), private: true, types: 'index.d.ts', description: 'Type declarations of the Volt engine, copied by volt init for the editor; volt init --types refreshes them' };
  return [
    [path.join(ENGINE_TYPES_DIR, 'package.json'), JSON.stringify(stamp, null, 2) + '\n'],
    [path.join(ENGINE_TYPES_DIR, 'globals.d.ts'), `// What a strategy's code can reach besides the ES library, as Volt runs it.\n${STRATEGY_GLOBALS.trimStart()}`],
    ...engineDeclarations(dist).map(([rel, text]): [string, string] => [path.join(ENGINE_TYPES_DIR, rel), text]),
  ];
}

export function tsconfigFor(typesDir: string = ENGINE_TYPES_DIR): string {
  // './'-prefixed and with forward slashes: paths in tsconfig are relative to the file itself.
  const typesPath = `./${typesDir.split(path.sep).join('/')}/index.d.ts`;
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: true,
      // Volt bundles and runs the strategies itself; this mapping is for the editor (completion,
      // hover, go-to-definition), to the declarations volt init copied into the folder.
      paths: { '@volt/engine': [typesPath] },
    },
    include: ['**/*.ts'],
    exclude: ['.volt', 'node_modules', WORKSPACE_VAULT],
  };
  return JSON.stringify(tsconfig, null, 2) + '\n';
}

/** Where a scaffolded folder's runs are exported as an Obsidian vault (vault.path). */
export const WORKSPACE_VAULT = 'my-vault';

/** What a run writes into the folder, never to be committed: the journal, and the vault made from it. */
const IGNORED: Array<{ entry: string; already: RegExp }> = [
  { entry: '.volt/', already: /^\/?\.volt\/?\s*$/m },
  { entry: `/${WORKSPACE_VAULT}/`, already: new RegExp(`^\\/?${WORKSPACE_VAULT}\\/?\\s*$`, 'm') },
];

/** Adds `.volt/` and the vault to .gitignore unless they are there; returns what it did, for the summary. */
function ignoreWorkspaceState(dir: string): string | undefined {
  const file = path.join(dir, '.gitignore');
  if (!existsSync(file)) {
    writeFileSync(file, `# Volt's journal and caches, and the vault exported from them\n${IGNORED.map((i) => i.entry).join('\n')}\n`, { flag: 'wx' });
    return 'created .gitignore';
  }
  const text = readFileSync(file, 'utf8');
  const missing = IGNORED.filter((i) => !i.already.test(text)).map((i) => i.entry);
  if (missing.length === 0) return undefined;
  appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
  return `added ${missing.join(' and ')} to .gitignore`;
}

export interface InitResult {
  dir: string;
  /** What was done, one line each ("created volt.config.json", "added /my-vault/ to .gitignore"). */
  done: string[];
}

/**
 * The agents' volatility files as a new folder names them: CBOE's daily histories under their own
 * download names, the implied-volatility index (the VIX until another is chosen) and an event
 * calendar. They are not there until the trader puts them there; until then each is left out of a
 * run with a note (agents/volatility-files.ts), so `--agents rules` works in a fresh folder.
 */
export const WORKSPACE_VOLATILITY_FILES = {
  vix: 'data/VIX_History.csv',
  vix9d: 'data/VIX9D_History.csv',
  vix3m: 'data/VIX3M_History.csv',
  vix6m: 'data/VIX6M_History.csv',
  impliedVol: 'data/VIX_History.csv',
  events: 'data/events.csv',
} as const;

/** The volt.config.json `volt init` writes: the defaults, the folder's vault, and the agents' volatility files. */
export function workspaceConfigText(): string {
  const config = { ...DEFAULT_CONFIG, agents: { ...DEFAULT_CONFIG.agents, ...WORKSPACE_VOLATILITY_FILES }, vault: { path: WORKSPACE_VAULT } };
  return JSON.stringify(config, null, 2) + '\n';
}

/**
 * Sets up `dir` for strategies. Checks everything before writing anything: a file that exists is
 * refused (VoltError naming it) and the folder is left as it was.
 */
export function initWorkspace(dir: string, options: InitOptions = {}): InitResult {
  const files: Array<[string, string]> = [
    [CONFIG_FILE, workspaceConfigText()],
    ['tsconfig.json', tsconfigFor()],
    [EXAMPLE_STRATEGY_FILE, EXAMPLE_STRATEGY],
    ...typesFiles(options.engineDist),
  ];
  for (const [rel] of files) {
    const file = path.join(dir, rel);
    if (existsSync(file)) {
      throw new VoltError({
        kind: 'config',
        message: `${rel} already exists; volt init never overwrites a file`,
        file,
        hint: 'move or delete it first, or run volt init in another folder',
      });
    }
  }
  const done: string[] = [];
  for (const [rel, text] of files) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
    if (!rel.startsWith(ENGINE_TYPES_DIR + path.sep)) done.push(`created ${rel}`);
  }
  done.splice(2, 0, `created ${ENGINE_TYPES_DIR}${path.sep} (the engine's types, ${typesVersion(options.engineDist)})`);
  const ignored = ignoreWorkspaceState(dir);
  if (ignored) done.push(ignored);
  return { dir, done };
}

/**
 * `volt init --types`: the folder's copy of the engine's declarations replaced by these; returns
 * the version they are of. Refused for a folder volt init did not set up.
 */
export function refreshWorkspaceTypes(dir: string, options: InitOptions = {}): string {
  if (!existsSync(path.join(dir, CONFIG_FILE))) {
    throw new VoltError({
      kind: 'config',
      message: `${path.join(dir, CONFIG_FILE)} is missing: not a folder volt init set up`,
      hint: 'run volt init there first (or pass the folder: volt init --types DIR)',
    });
  }
  const files = typesFiles(options.engineDist);
  // Read everything first, then swap: a missing engine leaves the old copy in place.
  rmSync(path.join(dir, ENGINE_TYPES_DIR), { recursive: true, force: true });
  for (const [rel, text] of files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return typesVersion(options.engineDist);
}
