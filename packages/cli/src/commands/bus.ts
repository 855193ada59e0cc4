import { CHANNELS, isVoltError, loadConfig, openBus, publishRun, type AgentBus, type BacktestReport, type BusMessage, type JournalEvent, type VoltConfig } from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';

export const summary = 'watch the agent bus: signals, positions opened and closed, risk alerts';

const USAGE = `usage: volt bus watch [CHANNEL ...] [--redis URL] [--count N] [--json]

  CHANNEL       signals/<symbol>, signals/* (every symbol), ${CHANNELS.positionsOpen}, ${CHANNELS.positionsClose},
                ${CHANNELS.riskAlerts}, or * (default: everything)
  --redis URL   the Redis the sessions publish to (default: bus.redis of volt.config.json)
  --count N     stop after N messages
  --json        one JSON object a line: {"channel", "message"}

Runs publish to the bus when volt.config.json sets "bus": { "redis": "redis://HOST:PORT" }
(volt backtest, after its run); this command shows what they publish while it listens.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: { redis: { type: 'string' }, count: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  const [verb, ...channels] = positionals;
  if (verb !== 'watch') throw new UsageError(`${verb === undefined ? 'volt bus needs a subcommand' : `unknown subcommand '${verb}'`}: watch\n\n${USAGE}`);
  const count = numberOption('count', values.count);
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new UsageError(`--count expects a whole number above 0, got '${values.count}'`);
  for (const c of channels) {
    if (!(c === '*' || c.startsWith('signals/') || c.startsWith('positions/') || c.startsWith('alerts/'))) {
      throw new UsageError(`'${c}' is not a bus channel: use signals/<symbol>, signals/*, ${CHANNELS.positionsOpen}, ${CHANNELS.positionsClose} or ${CHANNELS.riskAlerts}`);
    }
  }
  const url = values.redis ?? loadConfig(process.cwd()).bus?.redis;
  if (url === undefined) throw new UsageError('volt bus watch listens to Redis: pass --redis redis://HOST:PORT or set bus.redis in volt.config.json (an in-process bus has no one else to hear)');
  const bus = await openBus({ bus: { redis: url } }, (e) => process.stderr.write(`volt bus: ${e instanceof Error ? e.message : String(e)}\n`));
  let seen = 0;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const show = (m: BusMessage, channel: string): void => {
    process.stdout.write(values.json ? JSON.stringify({ channel, message: m }) + '\n' : `${channel.padEnd(16)} ${describe(m)}\n`);
    if (count !== undefined && ++seen >= count) stop();
  };
  for (const c of channels.length > 0 ? channels : ['*']) bus.subscribe(c, show);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stderr.write(`volt bus: listening on ${url} (${channels.length > 0 ? channels.join(', ') : 'every channel'})\n`);
  await stopped;
  await bus.close();
  return EXIT.ok;
}

function describe(m: BusMessage): string {
  const at = new Date(m.time).toISOString().slice(0, 16).replace('T', ' ');
  switch (m.kind) {
    case 'signal': return `${at}  ${m.source}: ${m.action} ${m.symbol} (${m.confidence.toFixed(2)}) ${m.reason}${m.ignored ? ` [ignored: ${m.ignored}]` : ''}`;
    case 'position-opened': return `${at}  ${m.source}: opened ${m.side} ${m.qty} ${m.symbol} at ${m.price} (trade ${m.tradeId})`;
    case 'position-closed': return `${at}  ${m.source}: closed ${m.side} ${m.symbol} at ${m.price} (${m.exitReason}), P&L ${m.pnl.toFixed(2)} (${(m.pnlPct * 100).toFixed(2)}%)`;
    case 'risk-alert': return `${at}  ${m.source}: ${m.symbol} ${m.rule}: ${m.message}`;
  }
}

/**
 * Tells the configured bus what a finished run did. The run is already recorded, so a bus that
 * cannot be reached is said on stderr and the command still succeeds.
 */
export async function publishToBus(config: Readonly<VoltConfig>, report: Readonly<BacktestReport>, events: readonly JournalEvent[] | undefined, command: string): Promise<void> {
  if (config.bus?.redis === undefined) return;
  let bus: AgentBus | undefined;
  try {
    bus = await openBus(config, (e) => process.stderr.write(`${command}: agent bus: ${e instanceof Error ? e.message : String(e)}\n`));
    publishRun(bus, report, events !== undefined && events.length > 0 ? events : undefined);
  } catch (e) {
    process.stderr.write(`${command}: ${isVoltError(e) ? e.message : String(e)}; the run itself is recorded\n`);
  } finally {
    await bus?.close();
  }
}
