/** What a note is to Volt, and the `volt` code block's arguments: on the opening fence, in the body, and the mistakes. */
import { describe, expect, it } from 'vitest';
import { fenceArguments, noteTarget, parseVoltBlock } from '../src/notes.js';

const section = (text: string, lineStart = 0) => ({ text, lineStart, lineEnd: text.split('\n').length - 1 });

describe('the volt code block', () => {
  it('reads the arguments on the opening fence, as the issue writes them', () => {
    expect(fenceArguments(section('intro\n\n```volt run=12 chart=equity\n```', 2))).toBe('run=12 chart=equity');
    expect(parseVoltBlock('', fenceArguments(section('```volt run=12 chart=equity\n```')))).toEqual({ ok: true, block: { kind: 'run', runId: 12, chart: 'equity' } });
    expect(parseVoltBlock('', fenceArguments(section('```volt trade=431\n```')))).toEqual({ ok: true, block: { kind: 'trade', tradeId: 431 } });
    // Longer fences, tildes, a block in a callout, a strategy name with spaces.
    expect(fenceArguments(section('````volt run=3\n````'))).toBe('run=3');
    expect(fenceArguments(section('~~~ volt trade=7\n~~~'))).toBe('trade=7');
    expect(fenceArguments(section('> [!note]\n> ```volt calendar=EMA crossover\n> ```', 1))).toBe('calendar=EMA crossover');
    expect(parseVoltBlock('', 'calendar=EMA crossover')).toEqual({ ok: true, block: { kind: 'calendar', strategy: 'EMA crossover' } });
  });

  it('takes the body too, the body winning where both say; nothing on the fence when Obsidian cannot say where the block is', () => {
    expect(parseVoltBlock('run=12 chart=equity', '')).toEqual({ ok: true, block: { kind: 'run', runId: 12, chart: 'equity' } });
    expect(parseVoltBlock('chart=drawdown', 'run=12 chart=equity')).toEqual({ ok: true, block: { kind: 'run', runId: 12, chart: 'drawdown' } });
    expect(fenceArguments(null)).toBe('');
    expect(fenceArguments(section('```volt\nrun=1\n```'))).toBe('');
    // Another language's fence is not ours.
    expect(fenceArguments(section('```voltage run=1\n```'))).toBe('');
  });

  it('says which line is wrong and what the block accepts', () => {
    expect(parseVoltBlock('', 'runs=12')).toEqual({ ok: false, message: "volt block, opening ```volt line: unknown key 'runs'. Write run=ID [chart=equity|drawdown|both|none], trade=ID, or calendar=all|STRATEGY NAME." });
    expect(parseVoltBlock('run=12\nchart equity', '')).toMatchObject({ ok: false, message: "volt block, line 2: 'chart' is not key=value. Write run=ID [chart=equity|drawdown|both|none], trade=ID, or calendar=all|STRATEGY NAME." });
    expect(parseVoltBlock('run=twelve')).toEqual({ ok: false, message: "volt block: run=twelve is not a run id (a whole number, the note's run)." });
    expect(parseVoltBlock('run=12 chart=candles')).toEqual({ ok: false, message: 'volt block: chart=candles is not a chart Volt draws; use equity, drawdown, both or none.' });
    expect(parseVoltBlock('')).toMatchObject({ ok: false, message: expect.stringMatching(/^volt block: nothing to show\. Write run=ID/) });
  });
});

describe('what a note is', () => {
  it("reads the exporter's frontmatter keys", () => {
    expect(noteTarget({ path: 'Volt/Trades/Trade 4.md', frontmatter: { trade_id: 4, run: 2 } })).toEqual({ kind: 'trade', tradeId: 4, runId: 2 });
    expect(noteTarget({ path: 'Volt/Performance/Run 2.md', frontmatter: { run: '2', strategy_path: '/s/a.strategy.ts' } })).toEqual({ kind: 'run', runId: 2, strategyPath: '/s/a.strategy.ts' });
    expect(noteTarget({ path: 'Volt/Strategies/A.md', frontmatter: { strategy: 'A', tags: ['volt/strategy'] } })).toEqual({ kind: 'strategy', strategy: 'A' });
    expect(noteTarget({ path: 'Daily/2024-01-02.md', frontmatter: { strategy: 'A' } })).toEqual({ kind: 'none' });
    expect(noteTarget({ path: 'x.md', frontmatter: undefined })).toEqual({ kind: 'none' });
  });
});
