/**
 * What the synthesizer model is told: the rules of a Volt strategy, the static lint's rules, the
 * strategy API generated from the engine's types, the idea and, after a refusal, the refused code
 * with the exact diagnostics. The texts depend only on their inputs, so the same idea, data and
 * refusals give the same prompts and the LLM cache replays the same answers.
 */
import { STATIC_RULES } from '../analysis/index.js';
import type { JsonSchema } from '../llm/index.js';
import { strategyApiText } from './api.js';

/** The model's answer: a name for the strategy and the whole file. */
export interface DraftAnswer {
  name: string;
  code: string;
}

export const DRAFT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'code'],
  properties: {
    name: { type: 'string', maxLength: 80, description: "the strategy's name, as in defineStrategy({ name })" },
    code: { type: 'string', maxLength: 20_000, description: 'the complete .strategy.ts file' },
  },
};

/** One point a refused attempt is sent back with. */
export interface DraftFinding {
  /** 'VOLT104', 'TS2322', 'import', 'params', 'trades', 'walk-forward'… */
  code: string;
  severity: 'error' | 'warning';
  message: string;
  /** 1-based, in the draft as the model wrote it. */
  line?: number;
  column?: number;
}

export interface DataFacts {
  label: string;
  symbol: string;
  timeframe: string;
  bars: number;
}

export interface RefusedAttempt {
  attempt: number;
  stage: string;
  code: string;
  findings: DraftFinding[];
}

export function systemPrompt(): string {
  const rules = STATIC_RULES.map((r) => `  ${r.code} (${r.severity}) ${r.title}`).join('\n');
  return [
    'You write trading strategies for Volt, a TypeScript backtesting engine. Answer with one JSON object only:',
    '{"name": "<the strategy name>", "code": "<the complete .strategy.ts file>"}.',
    '',
    'The file must:',
    "- import only from '@volt/engine' (`import { defineStrategy } from '@volt/engine';`) and `export default defineStrategy({ ... })`;",
    '- compute, not act: no files, network, processes, timers, console, Date or Date.now(), no Math.random() (use ctx.random()), no other imports;',
    '- read only the current bar and the past: ctx.bar, ctx.history(n) with ago >= 0, ctx.ind.<name>; never a later bar;',
    '- declare indicators once in indicators(ind, params) and check `.ready` before reading a value;',
    '- keep every threshold and period in params, each as { value, min, max } (min < value < max), read as ctx.params.<name>; no number literals in the comparisons of onBar;',
    "- set risk.stopLoss (a fraction like 0.03, or { kind: 'volatility' }) and risk.maxPositionPct of at most 0.1;",
    '- give every ctx.buy / ctx.sell / ctx.exit a confidence between 0 and 1 and a reason;',
    '- trade often enough to be judged: tens of trades on the data described.',
    '',
    'Volt type-checks the file (TypeScript strict, noUncheckedIndexedAccess), lints it with the rules below, runs it in a sandbox,',
    're-runs it on data cut short to catch lookahead, and walk-forwards its params out of sample. A finding of severity error,',
    'a missing stop (VOLT101), a position over the cap (VOLT102) or a threshold literal (VOLT103) refuses the file.',
    'Lint rules:',
    rules,
    '',
    'The strategy API (TypeScript declarations from the engine):',
    '```ts',
    strategyApiText(),
    '```',
  ].join('\n');
}

export function userPrompt(idea: string, data: DataFacts, refused: readonly RefusedAttempt[]): string {
  const parts = [
    `Idea: ${idea}`,
    `Data: ${data.label}, ${data.bars} bars of ${data.timeframe} ${data.symbol}. Write the strategy for ${data.timeframe} bars.`,
  ];
  const last = refused[refused.length - 1];
  if (last) {
    for (const earlier of refused.slice(0, -1)) {
      parts.push(`Attempt ${earlier.attempt} was refused at ${earlier.stage}: ${earlier.findings.map((f) => f.code).join(', ')}.`);
    }
    parts.push(`Attempt ${last.attempt} was refused at ${last.stage}:`);
    for (const f of last.findings) parts.push(`- ${formatFinding(f)}`);
    const lines = last.code.split(/\r?\n/);
    const width = String(lines.length).length;
    parts.push('Its code, with line numbers:', lines.map((l, i) => `${String(i + 1).padStart(width)} | ${l}`).join('\n'));
    parts.push('Fix every point above and answer with the whole file again.');
  } else {
    parts.push('Write the strategy.');
  }
  return parts.join('\n');
}

/** `line 12:5: error VOLT104: …`, the form the refusal is fed back and reported in. */
export function formatFinding(f: DraftFinding): string {
  const where = f.line !== undefined ? `line ${f.line}${f.column !== undefined ? `:${f.column}` : ''}: ` : '';
  return `${where}${f.severity} ${f.code}: ${f.message}`;
}
