import { availableParallelism } from 'node:os';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';

export const summary = 'run trials of sweeps from a Redis queue (volt optimize --queue) on this machine';

const USAGE = `usage: volt worker --queue redis://HOST:PORT [--workers N]

  --queue redis://HOST:PORT  the Redis that \`volt optimize --queue\` puts trials on
  --workers N                chunks of trials at once, each in its own sandbox process
                             (default: the cores, ${availableParallelism()})

Takes chunks of trials until stopped (Ctrl-C finishes the chunks it holds; a killed worker's
chunk goes to another worker after 10 s). The strategy and the candles are fetched from Redis
once per sweep; strategy code runs in the same sandbox as every Volt run. Exit 0 when stopped.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: false,
    options: {
      queue: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (values.queue === undefined || positionals.length > 0) throw new UsageError(`which queue? --queue redis://HOST:PORT\n\n${USAGE}`);
  const workers = numberOption('workers', values.workers) ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a whole number of at least 1, got ${workers}`);
  const { serveTrialQueue } = await import('@volt/engine/queue');
  const said = new Set<string>();
  let chunks = 0;
  let trials = 0;
  const serving = await serveTrialQueue({
    url: values.queue,
    concurrency: workers,
    onChunk: (n) => {
      chunks++;
      trials += n;
    },
    onError: (message) => {
      // Once per kind of trouble: a Redis that is down would repeat itself every reconnect.
      if (said.has(message)) return;
      said.add(message);
      process.stderr.write(`volt worker: ${message} (retrying)\n`);
    },
  });
  process.stderr.write(`volt worker: taking trials from ${values.queue} (${workers} at once); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await serving.close();
  process.stderr.write(`volt worker: stopped after ${trials} trials in ${chunks} chunks\n`);
  return EXIT.ok;
}
