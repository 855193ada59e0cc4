/** The agent bus: typed messages in-process, or across processes over Redis pub/sub. See README.md here. */
import { LocalBus } from './local.js';
import type { AgentBus } from './types.js';

export * from './types.js';
export { LocalBus } from './local.js';
export { runMessages, publishRun, signalMessage, positionOpened, positionClosed } from './run.js';

/**
 * The bus volt.config.json asks for: Redis pub/sub when `bus.redis` is set, else in-process.
 * Redis's client is loaded only then.
 */
export async function openBus(config: { bus?: { redis?: string } | undefined }, onError?: (e: unknown) => void): Promise<AgentBus> {
  const url = config.bus?.redis;
  if (url === undefined || url === '') return new LocalBus(onError);
  const { RedisBus } = await import('./redis.js');
  return RedisBus.open(url, { setting: 'bus.redis in volt.config.json', ...(onError ? { onError } : {}) });
}
