import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '@volt/engine';
import path from 'node:path';
import { assertBuilt, scratch, volt } from './harness.js';

// Inputs that are well-formed but extreme: prices a double cannot compute with, synthetic markets
// larger than memory, timeframes of no length, files in UTF-16.
const tmp = scratch('data-extremes');
afterAll(() => tmp.remove());
beforeAll(assertBuilt);

const BUY_AND_HOLD = tmp.file(
  'buy-and-hold.strategy.ts',
  `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'buy and hold',
  timeframe: '1h',
  onBar(ctx) {
    if (ctx.position.side === 0) ctx.buy({ reason: 'in' });
  },
});
`,
);

/** An hourly CSV: `price(i)` for every price of bar i. */
function candles(name: string, bars: number, price: (i: number) => string): string {
  const rows = ['time,open,high,low,close,volume'];
  for (let i = 0; i < bars; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
    const p = price(i);
    rows.push(`${t},${p},${p},${p},${p},10`);
  }
  return tmp.file(name, rows.join('\n') + '\n');
}

const NON_FINITE = /\b(NaN|Infinity|Inf)\b|∞/;

describe('prices that are finite but unusable', () => {
  for (const [price, why] of [
    ['1e-320', 'below 1e-12: too small'],
    ['1e308', 'above 1e15: too large'],
  ] as const) {
    it(`refuses ${price} in strict mode at its line, with the reason`, async () => {
      const file = candles(`prices-${price}.csv`, 60, (i) => (i < 20 ? String(100 + i) : price));
      const ran = await volt(['backtest', BUY_AND_HOLD, '--data', file, '--no-journal'], tmp.dir);
      expect(ran.code).toBe(1);
      expect(ran.stdout).toBe('');
      // Line 22: the header, then 20 good rows.
      expect(ran.stderr).toContain(`${file}:22: unusable price: open is ${Number(price)}`);
      expect(ran.stderr).toContain(why);
      expect(ran.stderr).toMatch(/fix: .*--lenient/);
      expect(ran.stderr).not.toMatch(/\n\s+at /);
    });

    it(`drops ${price} rows in lenient mode and says so`, async () => {
      const file = candles(`lenient-${price}.csv`, 60, (i) => (i < 20 ? String(100 + i) : price));
      const ran = await volt(['backtest', BUY_AND_HOLD, '--data', file, '--no-journal', '--lenient', '--json'], tmp.dir);
      expect(ran.code).toBe(0);
      expect(ran.stderr).toContain('--lenient repaired dropped 40 rows with a missing, zero, negative or out-of-range price (lines 22, 23, 24 and 37 more)');
      const report = JSON.parse(ran.stdout) as { data: { bars: number } };
      expect(report.data.bars).toBe(20);
      expect(ran.stdout).not.toMatch(NON_FINITE);
    });
  }

  it('reads huge and tiny volumes: an infinite one is refused like a negative one', async () => {
    const file = tmp.file('volume.csv', 'time,open,high,low,close,volume\n2024-01-01T00:00Z,1,1,1,1,1e999\n2024-01-01T01:00Z,1,1,1,1,1\n');
    const ran = await volt(['data', 'check', file], tmp.dir);
    expect(ran.stdout).toContain(`${file}:2: volume '1e999' is not a number ≥ 0`);
  });
});

describe('a run whose numbers overflow', () => {
  it('is an error naming what went non-finite and the bar, never a report with NaN or Infinity', async () => {
    // Both prices are allowed; 1e300 of capital bought at 1e-12 is a quantity past 1e308.
    const file = candles('jump.csv', 50, (i) => (i < 10 ? '1e-12' : '1e15'));
    const ws = tmp.folder('overflow');
    for (const json of [false, true]) {
      const ran = await volt(['backtest', BUY_AND_HOLD, '--data', file, '--capital', '1e300', ...(json ? ['--json'] : [])], ws);
      expect(ran.code).toBe(1);
      expect(ran.stdout).toBe('');
      expect(ran.stderr).toContain(`${file}: buy and hold: the backtest went out of range at bar 1 (2024-01-01T01:00:00.000Z, close 1e-12): equity is NaN`);
      expect(ran.stderr).toContain('fix: ');
    }
    const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
    try {
      expect(journal.getRun(1)).toMatchObject({ status: 'failed' });
      expect(journal.getRun(1)!.error).toContain('went out of range at bar 1');
    } finally {
      journal.close();
    }
  });

  it('still runs the same data with ordinary capital, every number finite', async () => {
    const file = candles('jump-ok.csv', 50, (i) => (i < 10 ? '1e-12' : '1e15'));
    const ran = await volt(['backtest', BUY_AND_HOLD, '--data', file, '--json', '--no-journal'], tmp.dir);
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toMatch(NON_FINITE);
  });
});

describe('synthetic markets and timeframes', () => {
  for (const spec of ['synthetic:1:99999999999', 'synthetic:1:100000000']) {
    it(`${spec} is refused with the limit and why, at once`, async () => {
      const ran = await volt(['backtest', BUY_AND_HOLD, '--data', spec, '--no-journal'], tmp.dir);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(`bad data spec '${spec}'`);
      expect(ran.stderr).toContain('at most 10,000,000');
      expect(ran.stderr).toContain('bytes of memory');
      expect(ran.stderr).not.toMatch(/RangeError|heap|\n\s+at /);
    });
  }

  it('volt data synth --bars past the limit is refused the same way', async () => {
    const ran = await volt(['data', 'synth', '--seed', '1', '--bars', '100000000'], tmp.dir);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('at most 10,000,000');
  });

  for (const tf of ['0m', '0h', '00d', '-1h', '1.5h', '0']) {
    it(`--timeframe ${tf} is a usage error`, async () => {
      const synth = await volt(['data', 'synth', '--seed', '1', '--bars', '10', `--timeframe=${tf}`], tmp.dir);
      expect(synth.code).toBe(2);
      expect(synth.stdout).toBe('');
      expect(synth.stderr).toMatch(new RegExp(`timeframe '${tf.replace('.', '\\.')}' (has no length|is unknown)|unknown timeframe '${tf.replace('.', '\\.')}'`));
      const spec = await volt(['backtest', BUY_AND_HOLD, '--data', `synthetic:1:10:${tf}`, '--no-journal'], tmp.dir);
      expect(spec.code).toBe(2);
      expect(spec.stdout).toBe('');
    });
  }

  it('a synthetic market that would run past the year 9999 is refused', async () => {
    const ran = await volt(['data', 'synth', '--seed', '1', '--bars', '9000000', '--timeframe', '1w'], tmp.dir);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('run past the year 9999');
  });
});

describe('a UTF-16 data file', () => {
  const csv = 'time,open,high,low,close,volume\n2024-01-01T00:00Z,10,11,9,10,5\n2024-01-01T01:00Z,10,12,9,11,5\n';
  const le = Buffer.from(csv, 'utf16le');
  const be = Buffer.from(le);
  be.swap16();
  const files: Array<[string, Buffer, string]> = [
    ['utf16-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'little-endian, with a byte-order mark'],
    ['utf16-le.csv', le, 'little-endian, no byte-order mark'],
    ['utf16-be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'big-endian, with a byte-order mark'],
    ['utf16-be.csv', be, 'big-endian, no byte-order mark'],
  ];
  for (const [name, bytes, order] of files) {
    it(`${name} is named UTF-16 (${order}), with the fix`, async () => {
      const file = tmp.file(name, bytes);
      for (const args of [['backtest', BUY_AND_HOLD, '--data', file, '--no-journal'], ['data', 'check', file]]) {
        const ran = await volt(args, tmp.dir);
        expect(ran.code).toBe(1);
        expect(ran.stderr).toContain(`the file is UTF-16 (${order})`);
        expect(ran.stderr).toContain('save it as UTF-8');
      }
    });
  }
});
