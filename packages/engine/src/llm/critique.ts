import { STATIC_RULES, reviewEdit, type EditReview, type Finding, type SourceEdit } from '../analysis/index.js';
import type { BacktestReport } from '../backtest/index.js';
import { OllamaGateway } from './gateway.js';
import type { JsonSchema } from './schema.js';

export const DEFAULT_CRITIQUE_MODEL = 'qwen2.5-coder:7b';

/** One point the critique model makes about a line of the strategy (published as VOLT301). */
export interface CritiqueFinding {
  code: 'VOLT301';
  /** 0-based, like every other Volt finding and LSP. */
  line: number;
  message: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  /**
   * Replace that whole line with `newText` (0-based line): offered as a code action. Only edits the
   * static lint passes get here (see refusedEdit).
   */
  edit?: { line: number; newText: string };
  /**
   * An edit the model proposed that would add lookahead, a wall clock, I/O or any other error-level
   * finding: never offered, and the message says why. `adds` names what it would add.
   */
  refusedEdit?: { line: number; newText: string; adds: string[] };
}

export interface CritiqueInput {
  source: string;
  /** The static findings the sidecar already shows, so the model does not repeat them. */
  findings?: ReadonlyArray<Pick<Finding, 'code' | 'message' | 'range'>>;
  lastReport?: Pick<BacktestReport, 'metrics'> & Partial<Pick<BacktestReport, 'data'>>;
  /** File name for the prompt. */
  fileName?: string;
}

export interface CritiqueResult {
  findings: CritiqueFinding[];
  model: string;
  /** 'llm' asked the model, 'cache' replayed its answer, 'unavailable' had no model to ask. */
  source: 'llm' | 'cache' | 'unavailable';
  /** Why there is no critique, in a sentence, when source is 'unavailable'. */
  reason?: string;
}

export interface CritiqueOptions {
  gateway?: OllamaGateway;
  model?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Where the model's edits are linted (default: the engine's reviewEdit, on this thread). The
   * sidecar runs it on its analysis thread, which holds the TypeScript parser it needs.
   */
  reviewEdit?: (source: string, edits: SourceEdit[], fileName: string) => EditReview | Promise<EditReview>;
  /**
   * Name the last run's market as "asset A" (default true; `agents.llm.mask`): a model that knows
   * the market's history could judge the numbers by it. The strategy's source is shown as written:
   * the model reviews the code, and an edit it proposes must be the file's own text.
   */
  mask?: boolean;
}

const CRITIQUE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['findings'],
  properties: {
    findings: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['line', 'message', 'severity'],
        properties: {
          line: { type: 'integer', minimum: 1, description: 'line number as shown in the listing' },
          message: { type: 'string', maxLength: 400 },
          severity: { type: 'string', enum: ['error', 'warning', 'info', 'hint'] },
          edit: {
            type: 'object',
            required: ['line', 'newText'],
            properties: { line: { type: 'integer', minimum: 1 }, newText: { type: 'string' } },
          },
        },
      },
    },
  },
};

const SYSTEM = [
  'You review trading strategies written in TypeScript for the Volt engine.',
  'Point out trading mistakes: look-ahead, thresholds hard-coded instead of params, missing or loose stops,',
  'position sizes over 10% of equity, overfitting to the backtest, logic that can never trade.',
  'Refer to the numbered lines. Only propose an edit when you can give the full replacement line.',
  'Do not repeat the static findings you are shown. Answer with JSON only.',
].join(' ');

/**
 * Ask the critique model about a strategy. Never throws for Ollama's sake: without a model it
 * returns no findings and says why once; the sidecar publishes the findings as VOLT3xx diagnostics.
 */
export async function critiqueStrategy(input: CritiqueInput, options: CritiqueOptions = {}): Promise<CritiqueResult> {
  const gateway = options.gateway ?? new OllamaGateway();
  const model = options.model ?? DEFAULT_CRITIQUE_MODEL;
  const lines = input.source.split(/\r?\n/);
  const outcome = await gateway.structured<{ findings: Array<{ line: number; message: string; severity: CritiqueFinding['severity']; edit?: { line: number; newText: string } }> }>({
    model,
    system: SYSTEM,
    prompt: critiquePrompt(input, lines, options.mask ?? true),
    schema: CRITIQUE_SCHEMA,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  if (!outcome.ok) return { findings: [], model, source: 'unavailable', reason: outcome.message };
  const findings: CritiqueFinding[] = [];
  for (const f of outcome.value.findings) {
    // A model may name a line the file does not have; such a point cannot be placed, so it is dropped.
    if (f.line < 1 || f.line > lines.length) continue;
    const finding: CritiqueFinding = { code: 'VOLT301', line: f.line - 1, message: f.message, severity: f.severity };
    if (f.edit && f.edit.line >= 1 && f.edit.line <= lines.length && f.edit.newText !== lines[f.edit.line - 1]) {
      const edit = { line: f.edit.line - 1, newText: f.edit.newText };
      const adds = await refusal(input.source, lines, edit, input.fileName ?? 'strategy.ts', options.reviewEdit ?? reviewEdit);
      if (adds === undefined) finding.edit = edit;
      else {
        finding.refusedEdit = { ...edit, adds };
        finding.message += ` (Its edit to line ${f.edit.line} is not offered: it would add ${adds.join(', ')}.)`;
      }
    }
    findings.push(finding);
  }
  return { findings, model, source: outcome.source };
}

const RULE_TITLES: ReadonlyMap<string, string> = new Map(STATIC_RULES.map((r) => [r.code, r.title]));

/**
 * What a model's whole-line edit would add that the static lint forbids (see reviewEdit), as
 * `VOLT106 (I/O inside a strategy …)`; undefined when it adds nothing of the kind. Checked on the
 * code itself, after the edit: what the model, or a comment in the strategy, says cannot change it.
 */
async function refusal(
  source: string,
  lines: readonly string[],
  edit: { line: number; newText: string },
  fileName: string,
  review: NonNullable<CritiqueOptions['reviewEdit']>,
): Promise<string[] | undefined> {
  const range = { start: { line: edit.line, character: 0 }, end: { line: edit.line, character: lines[edit.line]!.length } };
  const verdict = await review(source, [{ range, newText: edit.newText }], fileName);
  if (verdict.safe) return undefined;
  const adds = verdict.added.map((f) => `${f.code} (${RULE_TITLES.get(f.code) ?? f.message})`);
  return [...new Set(adds)];
}

function critiquePrompt(input: CritiqueInput, lines: string[], mask: boolean): string {
  const width = String(lines.length).length;
  const listing = lines.map((l, i) => `${String(i + 1).padStart(width)} | ${l}`).join('\n');
  const parts = [`Strategy ${input.fileName ?? 'strategy.ts'}:`, listing];
  if (input.findings && input.findings.length > 0) {
    parts.push('Static findings already shown to the author:');
    for (const f of input.findings) parts.push(`- line ${f.range.start.line + 1}: ${f.code} ${f.message}`);
  }
  const m = input.lastReport?.metrics;
  if (m) {
    parts.push(
      `Last backtest${input.lastReport?.data ? ` on ${mask ? 'asset A' : input.lastReport.data.symbol} ${input.lastReport.data.timeframe}, ${input.lastReport.data.bars} bars` : ''}: ` +
        `return ${(m.totalReturn * 100).toFixed(2)}%, Sharpe ${m.sharpe.toFixed(2)}, max drawdown ${(m.maxDrawdown * 100).toFixed(2)}%, ` +
        `${m.trades} trades, win rate ${(m.winRate * 100).toFixed(1)}%, max consecutive losses ${m.maxConsecutiveLosses}.`,
    );
  }
  parts.push('Reply as {"findings":[{"line":N,"message":"…","severity":"warning","edit":{"line":N,"newText":"…"}}]}.');
  return parts.join('\n');
}
