import { createInterface } from 'node:readline/promises';
import { Journal, VoltError, readSession, type SessionSettings } from '@volt/engine';
import { EXIT, UsageError } from '../usage.js';
import { USAGE as PAPER_USAGE, journalFile, runSession } from './paper.js';

export const summary = "trade a strategy with real orders through ccxt: the venue's testnet unless --real";

const USAGE = `usage: volt live STRATEGY --exchange ID --symbol BASE/QUOTE --timeframe TF [--real] [paper's options]

  The same session as \`volt paper\` (its options, journal, kill switch and capital protection),
  and every change of position is also placed on the venue as a market order (createOrder, then
  order status polling; what is not filled within 5 s is cancelled and the partial fill kept).
  On the venue's testnet unless --real (ccxt's setSandboxMode, set before any request).
  --real asks you to type the exchange and symbol back before anything is sent.

  Keys only from the environment: VOLT_<EXCHANGE>_API_KEY and VOLT_<EXCHANGE>_API_SECRET
  (VOLT_BINANCE_API_KEY …). They are given to the ccxt client and nowhere else: not to the
  journal, the vault, the logs or a report.`;

/** VOLT_<EXCHANGE>_API_KEY / _SECRET: the only place keys come from. */
export function credentialsFor(exchange: string, env: NodeJS.ProcessEnv = process.env): { apiKey: string; secret: string } {
  const prefix = `VOLT_${exchange.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API`;
  const apiKey = env[`${prefix}_KEY`];
  const secret = env[`${prefix}_SECRET`];
  if (!apiKey || !secret) {
    throw new VoltError({
      kind: 'usage',
      message: `volt live needs ${prefix}_KEY and ${prefix}_SECRET in the environment`,
      hint: `export them in this shell (the testnet's keys unless --real); keys are never read from files or flags`,
    });
  }
  return { apiKey, secret };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n\n${PAPER_USAGE.split('\n\n').slice(2).join('\n\n')}\n`);
    return EXIT.ok;
  }
  const real = argv.includes('--real');
  const rest = argv.filter((a) => a !== '--real');
  const at = rest.indexOf('--exchange');
  const exchange = at >= 0 ? rest[at + 1] : undefined;
  if (exchange === undefined && !rest.includes('--resume')) throw new UsageError(`--exchange is required\n\n${USAGE}`);
  // A resumed session names its exchange in the journal; keys still come from the environment.
  const credentials = credentialsFor(exchange ?? resumedExchange(rest));
  return runSession(rest, real ? 'live' : 'testnet', {
    command: 'volt live',
    credentials,
    ...(real ? { confirm: typedConfirmation } : {}),
  });
}

/** The exchange of the session --resume names, from the journal. */
function resumedExchange(argv: string[]): string {
  const flag = (name: string) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);
  const journal = Journal.open(journalFile(flag('--journal')));
  try {
    const row = readSession(journal, Number(flag('--resume')));
    if (!row) throw new UsageError(`the journal has no session ${flag('--resume')}; volt paper status lists them`);
    return row.exchange;
  } finally {
    journal.close();
  }
}

/** `--real`: the trader types the exchange and symbol back, on a terminal. */
async function typedConfirmation(settings: SessionSettings): Promise<void> {
  const expected = `${settings.exchange} ${settings.symbol}`;
  if (!process.stdin.isTTY && process.env['VOLT_LIVE_CONFIRM'] !== expected) {
    throw new VoltError({
      kind: 'usage',
      message: `volt live --real trades real money and needs a typed confirmation, but stdin is not a terminal`,
      hint: `run it in a terminal, or set VOLT_LIVE_CONFIRM='${expected}' for an unattended start`,
    });
  }
  if (process.env['VOLT_LIVE_CONFIRM'] === expected) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`volt live --real: REAL orders on ${settings.exchange} for ${settings.symbol} with ${settings.capital} of capital.\nType '${expected}' to go on: `);
    if (answer.trim() !== expected) throw new VoltError({ kind: 'usage', message: `not confirmed: you typed '${answer.trim()}', not '${expected}'`, hint: 'nothing was sent to the exchange' });
  } finally {
    rl.close();
  }
}
