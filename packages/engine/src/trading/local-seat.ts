import type { Candle } from '../data/index.js';
import type { LoadedStrategy } from '../strategy/index.js';
import { StrategySeat, type SeatOrder, type SeatView } from './seat.js';
import type { StrategyPort } from './session.js';

/** The strategy in this process (tests, benchmarks): the same seat the sandbox runs. */
export class LocalSeat implements StrategyPort {
  readonly name: string;
  readonly params: Record<string, number>;
  readonly risk;
  readonly pyramiding;
  private readonly seat: StrategySeat;

  constructor(loaded: LoadedStrategy, meta: { symbol: string; timeframe: string; source: string }, params: Record<string, number> = {}) {
    const def = loaded.definition;
    this.name = def.name;
    this.params = Object.fromEntries(Object.entries(def.params ?? {}).map(([k, v]) => [k, typeof v === 'number' ? v : v.value]));
    Object.assign(this.params, params);
    this.risk = def.risk;
    this.pyramiding = def.pyramiding === true;
    this.seat = new StrategySeat(loaded, meta, { params });
  }

  decide(c: Candle, view: SeatView): Promise<SeatOrder[]> {
    return Promise.resolve(this.seat.decide(c, view));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
