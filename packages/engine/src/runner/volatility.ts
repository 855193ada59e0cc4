/**
 * The agents' volatility inputs across the sandbox's channel: a structured clone keeps fields and
 * loses classes, so they travel as their fields and the host builds them again.
 */
import { VixSeries, VixTermStructure } from '../agents/index.js';
import { EventCalendar } from '../data/index.js';
import type { SeriesData, VolatilityData } from './protocol.js';

export interface VolatilityInputs {
  vix?: VixSeries;
  term?: VixTermStructure;
  impliedVol?: VixSeries;
  events?: EventCalendar;
}

const MEMBERS = ['vix9d', 'vix', 'vix3m', 'vix6m'] as const;

export function volatilityData(v: VolatilityInputs): VolatilityData {
  const out: VolatilityData = {};
  if (v.vix) out.vix = v.vix.parts();
  if (v.impliedVol) out.impliedVol = v.impliedVol.parts();
  if (v.term) {
    const term: NonNullable<VolatilityData['term']> = {};
    for (const m of MEMBERS) {
      const series = v.term.curve[m];
      if (series) term[m] = series.parts();
    }
    out.term = term;
  }
  if (v.events) out.events = { events: [...v.events.events], source: v.events.source };
  return out;
}

const series = (d: SeriesData) => new VixSeries(d.time, d.close, d.source, d.maxStaleMs);

export function volatilityInputs(d: VolatilityData): VolatilityInputs {
  const out: VolatilityInputs = {};
  if (d.vix) out.vix = series(d.vix);
  if (d.impliedVol) out.impliedVol = series(d.impliedVol);
  if (d.term) {
    const curve: ConstructorParameters<typeof VixTermStructure>[0] = {};
    for (const m of MEMBERS) {
      const data = d.term[m];
      if (data) curve[m] = series(data);
    }
    out.term = new VixTermStructure(curve);
  }
  if (d.events) out.events = new EventCalendar(d.events.events, d.events.source);
  return out;
}
