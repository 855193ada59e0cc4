/**
 * The static analysis, on its own thread: one warm TypeScript LanguageService for every open
 * strategy. Off the server's thread so that a long check never delays other requests, and in its
 * own heap, collected when the editor goes quiet.
 */
import './young-generation.js'; // first: see there
import { parentPort } from 'node:worker_threads';
import v8 from 'node:v8';
import { analyzeStrategySource, reviewEdit, StrategyTypeChecker, type AnalysisConfig, type EditReview, type Finding, type SourceEdit } from '@volt/engine';
import type { Hover } from 'vscode-languageserver';
import { hoverAt } from '../service/hover.js';
import type { LastRunMarket } from '../service/options-hover.js';
import { collectGarbage, IdleCollector } from '../idle-gc.js';

export type ToAnalysis =
  | { type: 'analyze'; id: number; fileName: string; text: string; config: AnalysisConfig }
  | { type: 'hover'; id: number; text: string; offset: number; bars: number | undefined; market?: LastRunMarket }
  | { type: 'review'; id: number; fileName: string; text: string; edits: SourceEdit[] }
  | { type: 'forget'; fileName: string };

export type FromAnalysis =
  | { type: 'findings'; id: number; findings: Finding[] }
  | { type: 'hover'; id: number; hover: Hover | null }
  | { type: 'review'; id: number; review: EditReview }
  | { type: 'error'; id: number; message: string };

// TurboFan optimising the largest functions of the TypeScript compiler takes ~130 MB of transient
// compiler memory that the allocator keeps as resident memory afterwards (a step of ~50–80 MB in the
// sidecar's RSS after a few hundred edits). Leaving functions above 20 KB of bytecode to the
// baseline tiers removed the step at no measurable cost per edit. The flag is process-wide, read
// when a function is considered for optimisation, so it is set before the compiler is loaded.
v8.setFlagsFromString('--max-optimized-bytecode-size=20000');

const port = parentPort!;
const checker = new StrategyTypeChecker();

// Every edit builds a new program. Collected when the editor goes quiet, and after every
// GC_EVERY analyses during long bursts of typing: left to itself V8 grows this heap by ~100 MB
// over a few hundred edits while only ~40 MB stays live. The collection runs after the reply is
// posted, so at most one edit in GC_EVERY waits for it.
const idleGc = new IdleCollector(1000);
const GC_EVERY = 50;
let sinceGc = 0;

port.on('message', (m: ToAnalysis) => {
  idleGc.poke();
  if (m.type === 'forget') {
    checker.forget(m.fileName);
    return;
  }
  let reply: FromAnalysis;
  try {
    reply = m.type === 'hover'
      ? { type: 'hover', id: m.id, hover: hoverAt(m.text, m.offset, m.bars, m.market) }
      : m.type === 'review'
        ? { type: 'review', id: m.id, review: reviewEdit(m.text, m.edits, m.fileName) }
        : { type: 'findings', id: m.id, findings: analyzeStrategySource(m.text, m.fileName, m.config, checker) };
  } catch (e) {
    reply = { type: 'error', id: m.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
  if (m.type === 'analyze' && ++sinceGc >= GC_EVERY) {
    sinceGc = 0;
    setImmediate(collectGarbage);
  }
});
