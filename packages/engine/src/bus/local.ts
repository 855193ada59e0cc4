import { channelMatches, channelOf, type AgentBus, type BusHandler, type BusMessage } from './types.js';

/**
 * The in-process bus, the default. Delivery is synchronous and in publish order; a subscriber that
 * throws is reported through `onError` and does not stop the others.
 */
export class LocalBus implements AgentBus {
  private readonly subscriptions = new Set<{ pattern: string; handler: BusHandler }>();

  constructor(private readonly onError: (e: unknown) => void = () => undefined) {}

  publish(message: BusMessage): void {
    this.deliver(message, channelOf(message));
  }

  /** Hands a message to this process's subscribers only (the Redis bus calls it for arrivals). */
  deliver(message: BusMessage, channel: string): void {
    for (const s of this.subscriptions) {
      if (!channelMatches(s.pattern, channel)) continue;
      try {
        s.handler(message, channel);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  subscribe(pattern: string, handler: BusHandler): () => void {
    const s = { pattern, handler };
    this.subscriptions.add(s);
    return () => void this.subscriptions.delete(s);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.subscriptions.clear();
    return Promise.resolve();
  }
}
