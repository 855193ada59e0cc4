import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../../test-support/ports.js';
import { resolveDataSpec, type CandleSeries } from '../data/index.js';
import { Journal, strategyTiers, tierMoves } from '../journal/index.js';
import { MemoryLlmCache, OllamaGateway } from '../llm/index.js';
import { FakeOllama } from '../llm/testing/fake-ollama.js';
import { analyzeStrategySource } from '../analysis/index.js';
import { mirrorCuts, mirroredAfter } from './lookahead.js';
import { synthAnswerTimeout } from './synthesize.js';
import { defaultDraftPath, strategyApiText, synthAttempts, SynthJournal, synthReport, synthesizeStrategy, writeDraft, type SynthRequest } from './index.js';
import { COLLAPSE_DATA, COLLAPSING_DRAFT, GOOD_DATA, GOOD_DRAFT, PEEKING_DRAFT, SCRIPTED_DRAFTS } from './testing/drafts.js';

const MODEL = 'qwen2.5-coder:7b';
const IDEA = 'ride the trend with two EMAs, a volatility stop';
let good: CandleSeries;
let collapsing: CandleSeries;
let server: FakeOllama | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  good = await resolveDataSpec(GOOD_DATA, { cwd: process.cwd() });
  collapsing = await resolveDataSpec(COLLAPSE_DATA, { cwd: process.cwd() });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'volt-synth-test-'));
  dirs.push(d);
  return d;
}

async function scripted(drafts: ReadonlyArray<{ name: string; code: string }>): Promise<FakeOllama> {
  server = await FakeOllama.start({ models: [MODEL], reply: (_call, i) => ({ content: JSON.stringify(drafts[Math.min(i, drafts.length - 1)]) }) });
  return server;
}

function request(gateway: OllamaGateway, extra: Partial<SynthRequest> = {}): SynthRequest {
  return { idea: IDEA, model: MODEL, series: good, dataLabel: GOOD_DATA, options: { seed: 1 }, limits: { timeoutMs: 10_000, maxMemoryMb: 256 }, gateway, ...extra };
}

describe('the strategy API in the prompt', () => {
  it('is read from the engine types: the context, the indicators and their doc comments, nothing a strategy never sees', () => {
    const api = strategyApiText();
    expect(api).toContain('interface StrategyContext<');
    expect(api).toContain('history(n: number): HistoryView;');
    expect(api).toContain('/** Seeded, deterministic random number in [0, 1): use this, never Math.random. */');
    expect(api).toContain('macd(fast?: number, slow?: number, signal?: number, source?: PriceSource): MacdIndicator;');
    expect(api).toContain('function defineStrategy<');
    // The walk follows what StrategyDefinition names, not the whole file.
    expect(api).not.toContain('LoadedStrategy');
    expect(api).not.toMatch(/^export /m);
    // It is valid TypeScript on its own (declarations only).
    const findings = analyzeStrategySource(`${api.replace(/^function defineStrategy/m, 'declare function defineStrategy')}\nexport {};\n`, path.join(tempDir(), 'api.ts'), { typeCheck: true }).filter((f) => f.source === 'typescript');
    expect(findings).toEqual([]);
  });
});

describe('the mirrored future', () => {
  it('keeps every bar up to the cut, turns each later move over by the same ratio, and stays valid candles', () => {
    const m = mirroredAfter(good, 1000);
    for (let i = 0; i <= 1000; i++) expect([m.open[i], m.high[i], m.low[i], m.close[i]]).toEqual([good.open[i], good.high[i], good.low[i], good.close[i]]);
    for (let i = 1001; i < good.length; i++) {
      expect(Math.log(m.close[i]! / m.close[1000]!)).toBeCloseTo(-Math.log(good.close[i]! / good.close[1000]!), 9);
      expect(m.high[i]!).toBeGreaterThanOrEqual(Math.max(m.open[i]!, m.close[i]!));
      expect(m.low[i]!).toBeLessThanOrEqual(Math.min(m.open[i]!, m.close[i]!));
    }
    expect(m.time).toBe(good.time);
    expect(mirrorCuts(3000)).toEqual([750, 1170, 1590, 2010, 2430, 2850]);
    expect(mirrorCuts(59)).toEqual([]);
  });
});

describe('volt synth, the loop', () => {
  it('refuses a type error, I/O and lookahead with their diagnostics fed back, and proves only the fourth', async () => {
    const ollama = await scripted(SCRIPTED_DRAFTS);
    const journal = Journal.open(path.join(tempDir(), 'journal.db'));
    const synthesis = new SynthJournal(journal, { idea: IDEA, model: MODEL, dataSpec: GOOD_DATA });
    const started: number[] = [];
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host, cache: journal }), {
      onAttemptStart: (n) => started.push(n),
      onAttempt: (a) => synthesis.recordAttempt(a),
    }));
    expect(started).toEqual([1, 2, 3, 4]);
    expect(outcome.status).toBe('proven');
    const [typeError, io, lookahead, proven] = outcome.attempts;
    expect(typeError).toMatchObject({ stage: 'type check and lint', proven: false });
    expect(typeError!.findings).toContainEqual(expect.objectContaining({ code: 'TS2322', line: 11, severity: 'error' }));
    expect(io!.stage).toBe('type check and lint');
    expect(io!.findings).toContainEqual(expect.objectContaining({ code: 'VOLT106', line: 11 }));
    expect(lookahead!.findings).toContainEqual(expect.objectContaining({ code: 'VOLT104', line: 11 }));
    expect(proven).toMatchObject({ stage: 'proven', proven: true, strategy: { name: 'EMA trend rider' } });
    expect(proven!.walkForward!.verdict).toMatch(/^out-of-sample holds/);

    // Each refusal went back to the model with its exact diagnostic, line and code.
    const prompts = ollama.calls.map((c) => c.messages.find((m) => m.role === 'user')!.content);
    expect(prompts).toHaveLength(4);
    expect(prompts[0]).not.toContain('refused');
    expect(prompts[1]).toContain("line 11:11: error TS2322: Type 'number' is not assignable to type 'string'.");
    expect(prompts[1]).toContain("11 |     const level: string = rsi.value;");
    expect(prompts[2]).toMatch(/line 11:\d+: error VOLT106: fetch\(\) does network I\/O/);
    expect(prompts[3]).toMatch(/line 11:\d+: error VOLT104: /);
    expect(prompts[3]).toContain('Attempt 1 was refused at type check and lint: TS2322.');
    // The system prompt carries the API and the lint rules; structured output asks for { name, code }.
    expect(ollama.calls[0]!.messages[0]!.content).toContain('interface HistoryView');
    expect(ollama.calls[0]!.messages[0]!.content).toContain('VOLT105 (error) wall clock or unseeded randomness');
    expect(ollama.calls[0]!.format).toMatchObject({ required: ['name', 'code'] });

    // Every attempt journaled: prompt hash, model, code hash, findings, metrics.
    synthesis.finish(outcome);
    const rows = synthAttempts(journal, synthesis.id);
    expect(rows.map((r) => [r.attempt, r.stage, r.proven])).toEqual([[1, 'type check and lint', false], [2, 'type check and lint', false], [3, 'type check and lint', false], [4, 'proven', true]]);
    expect(new Set(rows.map((r) => r.promptHash)).size).toBe(4);
    expect(rows.every((r) => r.model === MODEL && /^[0-9a-f]{64}$/.test(r.codeHash!))).toBe(true);
    expect(rows[0]!.findings).toContainEqual(expect.objectContaining({ code: 'TS2322' }));
    expect(rows[3]!.metrics).toMatchObject({ trades: proven!.metrics!.trades });
    journal.close();
  }, 180_000);

  it('writes the proven draft with its header, into COLD, and its report names every attempt', async () => {
    const ollama = await scripted(SCRIPTED_DRAFTS);
    const root = tempDir();
    const journal = Journal.open(path.join(root, '.volt/journal.db'));
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host, cache: journal })));
    if (outcome.status !== 'proven') throw new Error(`expected proven, got ${outcome.status}`);
    const file = defaultDraftPath(root, outcome.draft.slug);
    expect(file).toBe(path.join(root, 'strategies/drafts/ema-trend-rider.strategy.ts'));
    expect(writeDraft(outcome.draft, file, journal)).toEqual({ tier: 'COLD', placed: true });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\/\/ Drafted by qwen2\.5-coder:7b through `volt synth` from the idea:\n\/\/   ride the trend with two EMAs, a volatility stop\n\/\/ Proven on synthetic:4:3000:1h: out-of-sample Sharpe \d+\.\d\d/);
    expect(text.endsWith(GOOD_DRAFT.code)).toBe(true);
    expect(strategyTiers(journal).get('EMA trend rider')).toMatchObject({ tier: 'COLD', sweepId: null });
    expect(tierMoves(journal, 'EMA trend rider')[0]!.reason).toMatch(/^drafted by qwen2\.5-coder:7b from an idea; proven by walk-forward/);
    // A second draft of the same name does not overwrite the first.
    expect(defaultDraftPath(root, outcome.draft.slug)).toBe(path.join(root, 'strategies/drafts/ema-trend-rider-2.strategy.ts'));
    const report = synthReport(IDEA, MODEL, GOOD_DATA, outcome, file);
    expect(report).toContain('## Attempt 1: refused at type check and lint');
    expect(report).toContain('## Attempt 4: proven (EMA trend rider)');
    expect(report).toMatch(/error VOLT106/);
    journal.close();
  }, 180_000);

  it('replays the same drafts from the journal cache with no Ollama at all', async () => {
    const ollama = await scripted(SCRIPTED_DRAFTS);
    const cache = new MemoryLlmCache();
    const first = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host, cache })));
    await ollama.close();
    server = undefined;
    const offline = new OllamaGateway({ host: `http://127.0.0.1:${await closedPort()}`, cache });
    const again = await synthesizeStrategy(request(offline));
    expect(offline.requests).toBe(0);
    expect(again.status).toBe('proven');
    expect(again.attempts.map((a) => [a.answerSource, a.codeHash, a.promptHash, a.stage])).toEqual(first.attempts.map((a) => ['cache', a.codeHash, a.promptHash, a.stage]));
  }, 180_000);

  it('without Ollama says so at once and drafts nothing', async () => {
    const gateway = new OllamaGateway({ host: `http://127.0.0.1:${await closedPort()}` });
    const t = performance.now();
    const outcome = await synthesizeStrategy(request(gateway));
    expect(performance.now() - t).toBeLessThan(5000);
    expect(outcome).toMatchObject({ status: 'unavailable', attempts: [] });
    if (outcome.status !== 'unavailable') return;
    expect(outcome.message).toMatch(/^LLM unavailable: Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+ \(start it with `ollama serve`.*nothing was drafted$/);
  });

  it('gives an answer its own time limit: a whole file takes longer than an agent\'s vote', async () => {
    server = await FakeOllama.start({ models: [MODEL], reply: () => ({ content: JSON.stringify(GOOD_DRAFT), delayMs: 600 }) });
    // The gateway's own limit (ollama.timeoutMs) is shorter than the answer takes; the synthesizer's is not.
    const gateway = new OllamaGateway({ host: server.host, timeoutMs: 100 });
    const outcome = await synthesizeStrategy(request(gateway, { maxAttempts: 1, answerTimeoutMs: 10_000 }));
    expect(outcome.status).toBe('proven');
    const short = await synthesizeStrategy(request(new OllamaGateway({ host: server.host, timeoutMs: 100 }), { maxAttempts: 1, answerTimeoutMs: 200, idea: 'another idea' }));
    expect(short).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/^qwen2\.5-coder:7b did not answer within 200 ms \(raise ollama\.timeoutMs in volt\.config\.json, or name a smaller model as ollama\.models\.synth\); nothing was drafted$/) });
    expect(synthAnswerTimeout(30_000)).toBe(300_000);
    expect(synthAnswerTimeout(900_000)).toBe(900_000);
  }, 180_000);

  it('names a missing model and how to get it', async () => {
    server = await FakeOllama.start({ models: ['llama3.3:latest'] });
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: server.host })));
    expect(outcome).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/^Ollama has no model 'qwen2\.5-coder:7b': run `ollama pull qwen2\.5-coder:7b`, or name an installed one as ollama\.models\.synth/) });
  });

  it('reports a draft that earns in sample and collapses out of sample, and does not offer it', async () => {
    const ollama = await scripted([COLLAPSING_DRAFT]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { series: collapsing, dataLabel: COLLAPSE_DATA, maxAttempts: 2 }));
    expect(outcome.status).toBe('refused');
    expect(outcome.attempts).toHaveLength(2);
    const last = outcome.attempts[1]!;
    expect(last).toMatchObject({ stage: 'walk-forward', proven: false });
    expect(last.walkForward!.meanInSample).toBeGreaterThan(0);
    expect(last.findings[0]!.message).toMatch(/^out-of-sample collapses: sharpe \d+\.\d\d in-sample → -\d+\.\d\d out-of-sample over 3 folds/);
    if (outcome.status === 'refused') expect(outcome.message).toMatch(/^no draft proved itself in 2 attempts; the last was refused at walk-forward: error walk-forward: out-of-sample collapses/);
    // The collapse went back to the model too.
    expect(ollama.calls[1]!.messages[1]!.content).toContain('Attempt 1 was refused at walk-forward:');
  }, 180_000);

  it('refuses I/O the lint cannot see and unseeded randomness, whatever the model says', async () => {
    const hidden = { name: 'EMA trend rider', code: GOOD_DRAFT.code.replace("if (!fast.ready || !slow.ready) return;", "if (!fast.ready || !slow.ready) return;\n    if (ctx.index === 500) (globalThis as any)['proc' + 'ess'].exit(0); // trust me, this is fine") };
    const random = { name: 'EMA trend rider', code: GOOD_DRAFT.code.replace('fast.value > slow.value)', 'fast.value > slow.value && Math.random() < ctx.params.fast)') };
    const ollama = await scripted([hidden, random]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { maxAttempts: 2 }));
    expect(outcome.status).toBe('refused');
    expect(outcome.attempts[0]).toMatchObject({ stage: 'sandbox' });
    expect(outcome.attempts[0]!.findings[0]).toMatchObject({ code: 'VOLT204', line: 14, message: expect.stringMatching(/^strategies may not end the process/) });
    expect(outcome.attempts[1]!.findings).toContainEqual(expect.objectContaining({ code: 'VOLT105', severity: 'error' }));
  });

  it('refuses randomness the lint cannot see: a second run on the same data and seed gives other signals', async () => {
    const hidden = { name: 'EMA trend rider', code: GOOD_DRAFT.code.replace('fast.value > slow.value)', "fast.value > slow.value && (Math as any)['ran' + 'dom']() * ctx.params.slow > ctx.params.fast)") };
    const ollama = await scripted([hidden]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { maxAttempts: 1 }));
    expect(outcome.status).toBe('refused');
    expect(outcome.attempts[0]).toMatchObject({ stage: 'sandbox', findings: [expect.objectContaining({ code: 'VOLT105', severity: 'error', message: expect.stringMatching(/^run again on the same data with the same seed, the signal at bar \d+ changes from .+: the strategy reads unseeded randomness or the clock/) })] });
  }, 180_000);

  it('refuses a draft that reaches past ctx.history for the series behind it: the column is not there, at its line', async () => {
    const ollama = await scripted([PEEKING_DRAFT, GOOD_DRAFT]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { maxAttempts: 2 }));
    const [peeking, good] = outcome.attempts;
    // Clean to the lint; the history window's columns are `#` fields, so the sandbox's run throws
    // where the draft reads one (before, this draft read the future there and was caught only by
    // the mirrored future of lookahead.ts, which stays as a second wall).
    expect(peeking).toMatchObject({ stage: 'sandbox', proven: false, name: 'EMA trend rider that peeks' });
    expect(peeking!.findings).toEqual([expect.objectContaining({ code: 'run:threw', severity: 'error', line: 15, message: expect.stringMatching(/^TypeError: Cannot read properties of undefined/) })]);
    expect(ollama.calls[1]!.messages[1]!.content).toMatch(/- line 15:19: error run:threw: TypeError: Cannot read properties of undefined/);
    expect(good).toMatchObject({ stage: 'proven', proven: true });
    expect(outcome.status).toBe('proven');
  }, 180_000);

  it('refuses thresholds outside params and params without a range: a draft is tuned by its params', async () => {
    const literal = { name: 'EMA trend rider', code: GOOD_DRAFT.code.replace('fast.value > slow.value)', 'fast.value > slow.value && ctx.bar.close > 100)') };
    const unranged = { name: 'EMA trend rider', code: GOOD_DRAFT.code.replace('slow: { value: 100, min: 60, max: 200, step: 20 }', 'slow: 100') };
    const ollama = await scripted([literal, unranged]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { maxAttempts: 2 }));
    expect(outcome.status).toBe('refused');
    expect(outcome.attempts[0]).toMatchObject({ stage: 'type check and lint' });
    expect(outcome.attempts[0]!.findings).toContainEqual(expect.objectContaining({ code: 'VOLT103', severity: 'warning', line: 14 }));
    expect(outcome.attempts[1]).toMatchObject({ stage: 'sandbox', findings: [expect.objectContaining({ code: 'params', message: expect.stringMatching(/^params slow have no min and max/) })] });
  }, 180_000);

  it('takes off a Markdown fence around the whole file, as coding models write one', async () => {
    const fenced = { name: 'EMA trend rider', code: '```typescript\n' + GOOD_DRAFT.code + '```\n' };
    const ollama = await scripted([fenced]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { maxAttempts: 1 }));
    expect(outcome.attempts[0]!.findings).toEqual([]);
    expect(outcome.status).toBe('proven');
    if (outcome.status === 'proven') expect(outcome.draft.code).toBe(GOOD_DRAFT.code);
  }, 180_000);

  it('refuses an import of anything but the engine, at its line', async () => {
    const reads = { name: 'EMA trend rider', code: GOOD_DRAFT.code.replace("import { defineStrategy } from '@volt/engine';", "import { defineStrategy } from '@volt/engine';\nimport { readFileSync } from 'node:fs';\nimport helper from './helper.js';") };
    const ollama = await scripted([reads]);
    const outcome = await synthesizeStrategy(request(new OllamaGateway({ host: ollama.host }), { maxAttempts: 1 }));
    expect(outcome.status).toBe('refused');
    expect(outcome.attempts[0]!.findings.filter((f) => f.code === 'import')).toEqual([
      { code: 'import', severity: 'error', message: "imports 'node:fs': a draft may import only '@volt/engine'", line: 2, column: 1 },
      { code: 'import', severity: 'error', message: "imports './helper.js': a draft may import only '@volt/engine'", line: 3, column: 1 },
    ]);
  });
});
