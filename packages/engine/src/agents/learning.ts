import { existsSync } from 'node:fs';
import type { VoltConfig } from '../config/index.js';
import { Journal } from '../journal/index.js';
import { SignalCache, baseAsset, loadRunSignals, type SignalSet } from '../signals/index.js';
import { addTrackRecords, loadTrackRecords, type TrackRecordRow } from './track-record.js';

/**
 * What a run learns from and gives back to the journal, for the faces that start runs (CLI,
 * sidecar): the outside signals it replays (the journal's cache, else agents.signals' fixtures)
 * and, with agents.trackRecord.carry, the track records the panel starts from.
 */
export function learningInputs(config: Pick<VoltConfig, 'agents'>, journalFile: string | undefined, symbol: string): { signals: SignalSet; trackRecords?: TrackRecordRow[] } {
  const journal = journalFile !== undefined && existsSync(journalFile) ? Journal.openExisting(journalFile) : undefined;
  try {
    const signals = loadRunSignals({ symbol, ...(journal ? { cache: new SignalCache(journal.db) } : {}), ...(config.agents.signals ? { fixtures: config.agents.signals } : {}) });
    const carry = config.agents.trackRecord?.carry === true && journal !== undefined;
    return { signals, ...(carry ? { trackRecords: loadTrackRecords(journal.db, baseAsset(symbol)) } : {}) };
  } finally {
    journal?.close();
  }
}

/** A finished run's judgements added to the journal's track records of its market. */
export function recordTrackRecords(journal: Journal, symbol: string, rows: readonly TrackRecordRow[] | undefined): void {
  if (rows && rows.length > 0) addTrackRecords(journal.db, baseAsset(symbol), rows, Date.now());
}
