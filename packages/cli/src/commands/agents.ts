import { existsSync } from 'node:fs';
import path from 'node:path';
import { Journal, VoltError, agentStatus, formatAgentStatus, journalPathFor, loadConfig, ollamaHostFrom } from '@volt/engine';
import { EXIT, UsageError, parseCommandArgs } from '../usage.js';

export const summary = "the agents' panel: each agent, its model or rules, Ollama's status, and metrics from the journal";

const USAGE = `usage: volt agents status [--json] [--journal PATH] [--root DIR]

  Each agent of the panel (volatility assessor, hedge optimizer, trend analyzer, market analyst,
  execution agent, auditor): rules or an Ollama model (agents.mode and ollama.models of
  volt.config.json), its voting weight, whether Ollama answers at the configured host (its
  version and installed models), and from the journal each agent's proposals, approvals,
  average confidence and win rate, and the risk gate's reviews, rejections and modifications.

  --journal PATH   the journal file (default: journal.path of volt.config.json, else .volt/journal.db)
  --root DIR       where to look for volt.config.json, then in the folders above (default: the current folder)
  --json           machine-readable output`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      journal: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'status' || rest.length > 0) throw new UsageError(`${sub === undefined ? 'which subcommand?' : `unknown: ${positionals.join(' ')}`}\n\n${USAGE}`);

  const root = path.resolve(values.root ?? process.cwd());
  const config = loadConfig(root);
  // A host that cannot be a URL is a setting to fix, not a status to report (volt.config.json's
  // own ollama.host was checked as it loaded; this is OLLAMA_HOST).
  const host = ollamaHostFrom(config.ollama.host);
  if (!host.ok) throw new VoltError({ kind: 'config', message: host.problem });
  const file = values.journal !== undefined ? path.resolve(values.journal) : journalPathFor(root, config.journal.path);
  // No journal yet is normal on a fresh workspace: show the panel without metrics.
  const journal = existsSync(file) ? Journal.openExisting(file) : undefined;
  try {
    const status = await agentStatus(config, journal);
    process.stdout.write(values.json ? JSON.stringify(status, null, 2) + '\n' : formatAgentStatus(status).join('\n') + '\n');
  } finally {
    journal?.close();
  }
  return EXIT.ok;
}
