import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  EXCHANGE_CACHE_DIR,
  defaultConfig,
  inspectJournal,
  isVoltError,
  journalPathFor,
  llmSeatModels,
  loadConfig,
  ollamaStatus,
  resolveOllamaHost,
  type VoltConfig,
} from '@volt/engine';
import { findProgram } from '@volt/lsp-server/locate';
import { cliVersion } from '../main.js';
import { findFaces, versionOf } from '../locate.js';
import { EXIT, parseCommandArgs } from '../usage.js';

export const summary = 'check this install: Node, the sidecar, the journal, Ollama and its models, editor faces, the data cache';

const USAGE = `usage: volt doctor [--root DIR] [--json]

Checks what Volt needs and says what to do about each problem:
  node        the Node running volt (20.19 or newer)
  volt-lsp    the sidecar editors start: where it is (PATH, else the usual global prefixes) and
              that its version is this volt's
  journal     journal.path of volt.config.json (default .volt/journal.db): schema version, SQLite's
              quick check
  ollama      the host (ollama.host, else OLLAMA_HOST), its models, the configured ones missing
              with the \`ollama pull\` line
  editors     the VS Code extension and the Neovim plugin found for this user, and their versions
  data        the exchange cache (.volt/cache/) and data.default

Exit 1 when something needed is missing or broken: Node too old, no volt-lsp or one of another
version, a journal that fails its check or is newer than this volt; and, only when volt.config.json
asks for them (agents.mode "ollama" or onSave.critique), Ollama down or a model not pulled.
Without them everything runs on the rule-based agents, so they are otherwise only reported.

  --root DIR   workspace root (default: the current folder)
  --json       the findings as one JSON document`;

type Level = 'ok' | 'warn' | 'fail' | 'info';
interface Check {
  name: string;
  level: Level;
  /** One line: what was found. */
  detail: string;
  /** What to do about it, when something is to be done. */
  fix?: string;
}

const MIN_NODE = [20, 19] as const;

function nodeCheck(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', level: 'ok', detail: `${process.version} at ${process.execPath}` }
    : { name: 'node', level: 'fail', detail: `${process.version} is older than ${MIN_NODE.join('.')}`, fix: 'install Node 20.19 or newer (nodejs.org, or your version manager)' };
}

function sidecarCheck(version: string): Check {
  const found = findProgram('volt-lsp');
  if (!found) {
    return { name: 'volt-lsp', level: 'fail', detail: 'not on PATH nor in the usual global prefixes', fix: 'npm install -g @volt/cli (it installs volt-lsp too), or add its bin folder to PATH' };
  }
  const answer = versionOf(found.file);
  if (answer.problem) return { name: 'volt-lsp', level: 'fail', detail: answer.problem, fix: 'reinstall: npm install -g @volt/cli' };
  const where = `${found.file} (${found.via === 'PATH' ? 'on PATH' : 'global prefix, not on PATH'})`;
  if (answer.version !== version) {
    return { name: 'volt-lsp', level: 'fail', detail: `${answer.version} at ${where}, but this volt is ${version}`, fix: 'install both from one release: npm install -g @volt/cli' };
  }
  return { name: 'volt-lsp', level: found.via === 'PATH' ? 'ok' : 'warn', detail: `${answer.version} at ${where}`, ...(found.via === 'PATH' ? {} : { fix: `add ${path.dirname(found.file)} to PATH` }) };
}

function journalCheck(root: string, config: VoltConfig): Check {
  const h = inspectJournal(journalPathFor(root, config.journal.path));
  if (!h.exists) return { name: 'journal', level: 'ok', detail: `${h.path}: none yet (the first volt backtest creates it, schema ${h.knownSchemaVersion})` };
  if (h.problem) return { name: 'journal', level: 'fail', detail: `${h.path}: ${h.problem}`, fix: 'move the file away (a new journal starts on the next run), or point journal.path elsewhere' };
  if ((h.schemaVersion ?? 0) > h.knownSchemaVersion) {
    return { name: 'journal', level: 'fail', detail: `${h.path}: schema ${h.schemaVersion}, newer than this volt knows (${h.knownSchemaVersion})`, fix: 'upgrade Volt: npm install -g @volt/cli' };
  }
  const facts = `schema ${h.schemaVersion}${h.schemaVersion === h.knownSchemaVersion ? '' : ` (migrates to ${h.knownSchemaVersion} on the next run)`}, quick check ${h.quickCheck}, ${h.runs ?? 0} run(s), ${megabytes(h.bytes ?? 0)}`;
  if (h.quickCheck !== 'ok') return { name: 'journal', level: 'fail', detail: `${h.path}: ${facts}`, fix: `restore it from a backup, or recover what SQLite can: sqlite3 ${h.path} .recover` };
  return { name: 'journal', level: 'ok', detail: `${h.path}: ${facts}` };
}

async function ollamaChecks(config: VoltConfig): Promise<Check[]> {
  const wanted = config.agents.mode === 'ollama' || config.onSave.critique;
  const missingLevel: Level = wanted ? 'fail' : 'warn';
  const why = wanted ? '' : ' (not needed: agents.mode is not "ollama" and onSave.critique is off)';
  const host = resolveOllamaHost(config.ollama.host);
  const status = await ollamaStatus({ host, timeoutMs: 2000 });
  if (!status.reachable) {
    return [{ name: 'ollama', level: missingLevel, detail: `${status.reason ?? `not reachable at ${host}`}${why}`, fix: 'if it runs elsewhere, set ollama.host in volt.config.json (or OLLAMA_HOST)' }];
  }
  const installed = new Set(status.models.map((m) => m.name));
  const has = (m: string): boolean => installed.has(m) || installed.has(`${m}:latest`);
  const configured = [...new Set([config.ollama.models.critique, ...Object.values(llmSeatModels(config))])];
  const missing = configured.filter((m) => !has(m));
  const checks: Check[] = [
    { name: 'ollama', level: 'ok', detail: `${host}, version ${status.version ?? '?'}, models: ${status.models.map((m) => m.name).join(', ') || 'none'}` },
  ];
  if (missing.length > 0) {
    checks.push({ name: 'models', level: missingLevel, detail: `not pulled: ${missing.join(', ')}${why}`, fix: missing.map((m) => `ollama pull ${m}`).join(' && ') });
  } else {
    checks.push({ name: 'models', level: 'ok', detail: `all configured are there: ${configured.join(', ')}` });
  }
  return checks;
}

function facesCheck(version: string): Check[] {
  const faces = findFaces();
  if (faces.length === 0) {
    return [{ name: 'editors', level: 'info', detail: 'no VS Code extension or Neovim plugin found for this user', fix: 'see the install section of the README (the .vsix, or the Neovim plugin)' }];
  }
  return faces.map((f) => {
    const other = f.version !== undefined && f.version !== version;
    return {
      name: 'editors',
      level: other ? 'warn' : 'ok',
      detail: `${f.editor}: ${f.version ?? 'version unknown'} at ${f.where}${other ? `, but this volt is ${version}` : ''}`,
      ...(other ? { fix: `update the ${f.editor} face to ${version}` } : {}),
    };
  });
}

function dataCheck(root: string, config: VoltConfig): Check[] {
  const dir = path.join(root, EXCHANGE_CACHE_DIR);
  let files = 0;
  let bytes = 0;
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      const st = statSync(path.join(dir, f));
      if (st.isFile()) {
        files++;
        bytes += st.size;
      }
    }
  }
  const checks: Check[] = [{ name: 'data', level: 'ok', detail: `cache ${dir}: ${files === 0 ? 'empty' : `${files} file(s), ${megabytes(bytes)}`}` }];
  const spec = config.data.default;
  if (!/^(synthetic|exchange):/.test(spec)) {
    const file = path.resolve(root, spec);
    checks.push(existsSync(file)
      ? { name: 'data', level: 'ok', detail: `data.default ${file}` }
      : { name: 'data', level: 'fail', detail: `data.default ${file} does not exist`, fix: 'fix data.default in volt.config.json (a candle file, synthetic:SEED or exchange:…)' });
  } else {
    checks.push({ name: 'data', level: 'ok', detail: `data.default ${spec}` });
  }
  return checks;
}

function megabytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const MARK: Record<Level, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', info: 'info' };

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    allowPositionals: false,
    options: { root: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const root = path.resolve(values.root ?? process.cwd());
  const version = cliVersion();
  const checks: Check[] = [nodeCheck(), sidecarCheck(version)];
  // A broken volt.config.json is itself the finding; the rest is checked on the defaults.
  let config: VoltConfig;
  try {
    config = loadConfig(root);
  } catch (e) {
    checks.push({ name: 'config', level: 'fail', detail: (isVoltError(e) ? e.format() : String(e)).split('\n')[0]!, fix: 'fix volt.config.json (volt init shows a valid one)' });
    config = defaultConfig();
  }
  checks.push(journalCheck(root, config), ...(await ollamaChecks(config)), ...facesCheck(version), ...dataCheck(root, config));
  const failed = checks.filter((c) => c.level === 'fail');
  if (values.json) {
    process.stdout.write(JSON.stringify({ version, root, ok: failed.length === 0, checks }, null, 2) + '\n');
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    const lines = [`volt doctor ${version} (${root})`];
    for (const c of checks) {
      lines.push(`  ${MARK[c.level]}  ${c.name.padEnd(width)}  ${c.detail}`);
      if (c.fix) lines.push(`        ${' '.repeat(width)}  → ${c.fix}`);
    }
    lines.push(failed.length === 0 ? 'everything Volt needs is here' : `${failed.length} problem(s): ${failed.map((c) => c.name).join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return failed.length === 0 ? EXIT.ok : EXIT.error;
}
