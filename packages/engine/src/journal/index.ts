/** The decision journal: every run, trade, decision and agent message, in one SQLite file. */
export { Journal, MAX_DECISIONS_PER_RUN, hashPrompt, decisionJson, runMetaFromReport, type JournalOpenOptions } from './journal.js';
export { RunRecorder, type RunRecorderOptions } from './recorder.js';
export { classifyOutcome } from './outcome.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './schema.js';
export { gitCommitOf, fileContentHash } from './provenance.js';
export { inspectJournal, type JournalHealth } from './inspect.js';
export {
  DEFAULT_JOURNAL_PATH,
  journalPathFor,
  runMetaFor,
  startBacktestRecording,
  recordBacktestRun,
  teeObservers,
  type BacktestRecording,
} from './record.js';
export * from './types.js';
export { SweepJournal, strategyTiers, moveTier, tierMoves, type SweepMeta, type SweepEntry, type SweepStatus, type SweepTrialEntry, type TierEntry, type TierMove, type TierName } from './sweeps.js';
export { reviewOutcomes, formatOutcomeReview, wilson, type OutcomeReview, type OutcomeGroup } from './outcome-review.js';
