import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { VoltError } from '../errors.js';
import { LocalBus } from './local.js';
import { channelOf, parseBusMessage, type AgentBus, type BusHandler, type BusMessage } from './types.js';

/** The families every Redis bus listens to; channels are filtered per subscription in the process. */
const PATTERNS = ['signals/*', 'positions/*', 'alerts/*'];

interface Envelope {
  /** The publishing bus; it already delivered its own message in-process and skips the echo. */
  origin: string;
  message: BusMessage;
}

export interface RedisBusOptions {
  /** Where the URL came from, for the error ("bus.redis in volt.config.json"). */
  setting?: string;
  /** A subscriber that threw, or a message from another process that is not one of the bus's. */
  onError?: (e: unknown) => void;
}

function connectionOf(url: string, setting: string): { host: string; port: number; db: number } {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (u?.protocol !== 'redis:') throw new VoltError({ kind: 'config', message: `${setting} expects redis://HOST:PORT, got '${url}'` });
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0) };
}

/**
 * The bus over Redis pub/sub. Publishing delivers to this process's subscribers at once and sends
 * the message to the channel of the same name on Redis; other processes' messages arrive through
 * one subscriber connection. Pub/sub keeps nothing: a process sees what is published while it is
 * subscribed (after `ready()`), which is what live signals want; the journal keeps history.
 */
export class RedisBus implements AgentBus {
  private readonly local: LocalBus;
  private readonly origin = randomUUID();
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly subscribed: Promise<void>;
  /** Messages from other processes dropped because they were not bus messages. */
  dropped = 0;

  private constructor(url: string, setting: string, private readonly onError: (e: unknown) => void) {
    const connection = connectionOf(url, setting);
    this.local = new LocalBus(onError);
    // A lost connection is retried by ioredis; what failed to send is reported, not thrown at a bar.
    this.pub = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 1 });
    this.sub = new Redis({ ...connection, lazyConnect: true });
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    this.sub.on('pmessage', (_pattern: string, channel: string, payload: string) => this.arrived(channel, payload));
    this.subscribed = Promise.all([this.pub.connect(), this.sub.connect()]).then(async () => {
      await this.sub.psubscribe(...PATTERNS);
    });
    this.subscribed.catch(() => undefined);
  }

  /** Connects and subscribes, or says which Redis could not be reached. */
  static async open(url: string, options: RedisBusOptions = {}): Promise<RedisBus> {
    const setting = options.setting ?? 'bus.redis';
    const bus = new RedisBus(url, setting, options.onError ?? (() => undefined));
    try {
      await bus.subscribed;
    } catch (e) {
      bus.pub.disconnect();
      bus.sub.disconnect();
      throw new VoltError({ kind: 'data', message: `cannot reach the agent bus at ${url} (${setting}): ${e instanceof Error ? e.message : String(e)}`, hint: 'start redis-server there, or remove bus.redis to keep the bus in-process' });
    }
    return bus;
  }

  publish(message: BusMessage): void {
    const channel = channelOf(message);
    this.local.deliver(message, channel);
    const envelope: Envelope = { origin: this.origin, message };
    this.pub.publish(channel, JSON.stringify(envelope)).catch((e: unknown) => this.onError(e));
  }

  subscribe(pattern: string, handler: BusHandler): () => void {
    return this.local.subscribe(pattern, handler);
  }

  ready(): Promise<void> {
    return this.subscribed;
  }

  async close(): Promise<void> {
    await this.local.close();
    // quit() lets the commands already sent finish first, so a last publish is not lost.
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }

  private arrived(channel: string, payload: string): void {
    let envelope: Partial<Envelope> | null = null;
    try {
      envelope = JSON.parse(payload) as Partial<Envelope>;
    } catch {
      envelope = null;
    }
    if (envelope?.origin === this.origin) return;
    const message = parseBusMessage(envelope?.message);
    if (message === null || channelOf(message) !== channel) {
      this.dropped++;
      this.onError(new Error(`the agent bus dropped a message on ${channel} that is not one of its own kinds`));
      return;
    }
    this.local.deliver(message, channel);
  }
}
