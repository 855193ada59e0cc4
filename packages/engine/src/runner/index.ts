/** The one way strategy code runs: a sandbox process per run, with limits, placed failures and no I/O. */
export { StrategyRunner, SandboxSeat, type SeatRequest, type RunnerOptions, type StrategyRunRequest, type RunHooks, type RunOutcome, type SweepRequest, type SweepHooks, type SweepOutcome } from './runner.js';
export { instrumentBundle, originalColumn, type InstrumentedBundle, type CheckpointLocation } from './instrument.js';
export { replayJournalEvents } from './replay.js';
export type { RunFailure, RunPhase, LookaheadCheck, StrategyFacts, JournalEvent, AgentsRun, SandboxLimits, SweepTrial } from './protocol.js';
