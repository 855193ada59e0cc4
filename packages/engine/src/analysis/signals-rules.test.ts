import { describe, expect, it } from 'vitest';
import { analyzeStrategySource } from './index.js';

const FILE = '/virtual/strategies/fearful.strategy.ts';

function strategy(top: string, body: string): string {
  return `import { defineStrategy } from '@volt/engine';
${top}
export default defineStrategy({
  name: 'fearful',
  params: { fear: { value: 20, min: 5, max: 40 } },
  onBar(c) {
${body}
  },
  risk: { stopLoss: { kind: 'volatility' }, maxPositionPct: 0.05 },
});
`;
}

const find = (text: string, code: string) => analyzeStrategySource(text, FILE, { typeCheck: false }).filter((f) => f.code === code);

describe('outside signals in a strategy', () => {
  it('VOLT112: importing a signal fixture into the strategy is lookahead, at the import', () => {
    const text = strategy(`import fng from '../signals/fear_greed.json';`, `    if (c.position.side === 0 && fng.recordings.length > c.params.fear) c.buy({ confidence: 0.5, reason: 'x' });`);
    const [f] = find(text, 'VOLT112');
    expect(f).toMatchObject({ severity: 'error', range: { start: { line: 1 } } });
    expect(f!.message).toMatch(/Lookahead: importing '..\/signals\/fear_greed.json' hands the strategy every value of the signal, including those published after the bar/);
  });

  it('VOLT113: a signal name Volt does not know, with the one it probably meant', () => {
    const text = strategy('', `    if (c.position.side === 0 && c.signals.fear < c.params.fear) c.buy({ confidence: 0.5, reason: 'fear' });`);
    const [f] = find(text, 'VOLT113');
    expect(f!.message).toMatch(/c\.signals\.fear is not a signal Volt knows, so it is undefined at every bar\. .* Did you mean fear_greed\?/);
    expect(f!.fix?.edits[0]?.newText).toBe('fear_greed');
  });

  it('reading ctx.signals.fear_greed is what the rules want: nothing to say', () => {
    const text = strategy('', `    if (c.position.side === 0 && c.signals.fear_greed < c.params.fear) c.buy({ confidence: 0.5, reason: 'fear' });`);
    expect([...find(text, 'VOLT112'), ...find(text, 'VOLT113')]).toEqual([]);
  });
});
