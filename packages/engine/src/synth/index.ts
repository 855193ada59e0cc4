/** Strategy drafts from an idea: a local model writes a strategy, Volt proves it before offering it. See README.md here. */
export { strategyApiText } from './api.js';
export { DRAFT_SCHEMA, systemPrompt, userPrompt, formatFinding, type DraftAnswer, type DraftFinding, type DataFacts } from './prompt.js';
export {
  synthesizeStrategy,
  slugOf,
  DEFAULT_SYNTH_MODEL,
  DEFAULT_SYNTH_ATTEMPTS,
  SYNTH_ANSWER_TIMEOUT_MS,
  synthAnswerTimeout,
  DEFAULT_WALK_FORWARD,
  type SynthRequest,
  type SynthOutcome,
  type DraftAttempt,
  type DraftStage,
  type ProvenDraft,
  type WalkForwardSettings,
  type WalkForwardSummary,
} from './synthesize.js';
export { SynthJournal, synthAttempts, draftText, defaultDraftPath, writeDraft, synthReport, DRAFTS_FOLDER, type SynthAttemptRow } from './draft.js';
