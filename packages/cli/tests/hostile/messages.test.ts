import { chmodSync, copyFileSync, openSync, readdirSync, readFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '@volt/engine';
import { UNPRIVILEGED, assertBuilt, scratch, volt, voltPiped } from './harness.js';

// What the journal and the CLI say when things go wrong around them: a journal that cannot be
// written or is damaged, a reader that closes the pipe, a file that cannot be written quietly,
// names and text from a strategy that would fool the vault.
const tmp = scratch('messages');
afterAll(() => tmp.remove());
beforeAll(assertBuilt);

const STRATEGY = tmp.file(
  'trader.strategy.ts',
  `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'trader',
  timeframe: '1h',
  onBar(ctx) {
    if (ctx.index % 20 === 5) ctx.buy({ reason: 'in' });
    if (ctx.index % 20 === 15) ctx.exit({ reason: 'out' });
  },
});
`,
);

/** A workspace whose journal holds `runs` runs of STRATEGY. */
async function journalWithRuns(name: string, runs = 1, bars = 400): Promise<string> {
  const ws = tmp.folder(name);
  for (let i = 0; i < runs; i++) {
    const ran = await volt(['backtest', STRATEGY, '--data', `synthetic:${i + 1}:${bars}:1h`], ws);
    expect(ran.code).toBe(0);
  }
  return ws;
}

describe('a read-only journal', () => {
  it('a journal file that is not writable says so and how to fix it, for readers and for a backtest', async () => {
    const ws = await journalWithRuns('ro-file');
    const file = path.join(ws, '.volt', 'journal.db');
    chmodSync(file, 0o444);
    chmodSync(path.dirname(file), 0o555);
    const list = await volt(['journal', 'list'], ws, UNPRIVILEGED);
    const run = await volt(['backtest', STRATEGY, '--data', 'synthetic:1:100:1h'], ws, UNPRIVILEGED);
    chmodSync(path.dirname(file), 0o755);
    for (const ran of [list, run]) {
      expect(ran.stderr).toContain(`${file}: the journal is read-only: ${file} is not writable by you`);
      expect(ran.stderr).toContain(`fix: make it writable (chmod u+w '${file}'), or pass --journal with another path`);
      expect(ran.stderr).not.toMatch(/move it away|SqliteError|\n\s+at /);
    }
    expect(list.code).toBe(1);
  });

  it('a file that is read-only in a writable folder is caught at the first write, not as a SqliteError', async () => {
    const ws = await journalWithRuns('ro-file-only');
    const file = path.join(ws, '.volt', 'journal.db');
    chmodSync(path.dirname(file), 0o777);
    chmodSync(file, 0o444);
    const run = await volt(['backtest', STRATEGY, '--data', 'synthetic:1:100:1h'], ws, UNPRIVILEGED);
    expect(run.stderr).toContain(`the journal is read-only: ${file} is not writable by you`);
    expect(run.stderr).not.toContain('SqliteError');
  });

  it('a folder where the journal cannot be created says which folder', async () => {
    const ws = tmp.folder('ro-folder');
    chmodSync(ws, 0o555);
    const run = await volt(['backtest', STRATEGY, '--data', 'synthetic:1:100:1h'], ws, UNPRIVILEGED);
    chmodSync(ws, 0o755);
    expect(run.stderr).toContain(`the journal is read-only: its folder ${ws} is not writable by you (the journal is created there)`);
    expect(run.stderr).toContain(`chmod u+w '${ws}'`);
  });
});

describe('a malformed journal', () => {
  it('a damaged journal that holds runs is never to be moved away: back it up, run PRAGMA integrity_check', async () => {
    const ws = await journalWithRuns('damaged', 3, 2000);
    const file = path.join(ws, '.volt', 'journal.db');
    copyFileSync(file, path.join(ws, 'intact.db'));
    // Smash the pages after the first (the header stays: it is still a SQLite file).
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(16_384, 0xde), 0, 16_384, 4096);
    closeSync(fd);
    for (const args of [['journal', 'list'], ['journal', 'show', '1'], ['backtest', STRATEGY, '--data', 'synthetic:1:100:1h']]) {
      const ran = await volt(args, ws);
      expect(ran.stderr).toContain('the journal is damaged');
      expect(ran.stderr).toContain(`cp '${file}' '${file}.bak'`);
      expect(ran.stderr).toContain(`sqlite3 '${file}' 'PRAGMA integrity_check'`);
      expect(ran.stderr).not.toMatch(/move it away|Volt creates a new one|\n\s+at /);
    }
  });

  it('a file that is not SQLite at all holds no runs, and says so', async () => {
    const ws = tmp.folder('not-sqlite');
    const file = tmp.file('not-sqlite/.volt/journal.db', 'these are my notes, not a database\n'.repeat(100));
    const ran = await volt(['journal', 'list'], ws);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`${file}: this file is not a journal: it is not a SQLite database, so it holds no runs Volt can read`);
    expect(ran.stderr).toContain('pass --journal with another path');
  });
});

describe('volt journal … | head', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await journalWithRuns('pipe', 2, 20_000);
  }, 60_000);

  for (const [args, reader] of [
    [['journal', 'show', '1'], 'head -c 0'],
    [['journal', 'show', '1'], 'head -n 1'],
    [['journal', 'show', '1', '--json'], 'head -n 1'],
    [['journal', 'list', 'decisions', '--limit', '0'], 'head -n 1'],
    [['journal', 'list', 'trades', '--limit', '0', '--json'], 'head -n 3'],
    [['journal', 'list'], 'head -c 0'],
    [['journal', 'export', '--json'], 'head -n 1'],
  ] as const) {
    it(`volt ${args.join(' ')} | ${reader} exits quietly`, async () => {
      const ran = await voltPiped([...args], reader, ws);
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
    });
  }
});

describe('volt data check … | head', () => {
  it('exits quietly when the reader has seen enough of a long list of problems', async () => {
    const rows = ['time,open,high,low,close,volume'];
    for (let i = 0; i < 20_000; i++) rows.push('2024-01-01T00:00:00Z,10,11,9,10,1');
    const file = tmp.file('duplicates.csv', rows.join('\n') + '\n');
    const ran = await voltPiped(['data', 'check', file], 'head -n 2', tmp.dir);
    expect(ran.stderr).toBe('');
    expect(ran.stdout.split('\n')[0]).toContain('20000 rows');
  });
});

describe('volt data synth --out', () => {
  it('writes a large file with no MaxListenersExceededWarning', async () => {
    const out = path.join(tmp.dir, 'synth.csv');
    const ran = await volt(['data', 'synth', '--seed', '1', '--bars', '200000', '--out', out], tmp.dir);
    expect(ran.code).toBe(0);
    expect(ran.stderr).not.toMatch(/Warning|MaxListeners/);
    expect(ran.stderr).toMatch(/^wrote 200000 bars of 1h \(seed 1\) to /);
    expect(readFileSync(out, 'utf8').split('\n').length).toBe(200_002);
  });
});

describe('the vault and text from a strategy', () => {
  // A name that would hide its note (leading dot), reorder itself on screen (U+202E, U+2066) and
  // open an Obsidian comment (%%); a reason that tries to close Volt's part of the note early.
  const NAME = '\u202e..hidden \u2066%% not a comment%%%\u2069\u200f';
  const REASON = 'in %% volt:end. fake marker %%';
  const strategy = tmp.file(
    'vault/sneaky.strategy.ts',
    `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: ${JSON.stringify(NAME)},
  timeframe: '1h',
  onBar(ctx) {
    if (ctx.index % 20 === 5) ctx.buy({ reason: ${JSON.stringify(REASON)} });
    if (ctx.index % 20 === 15) ctx.exit({ reason: 'out %%' });
  },
});
`,
  );

  it('names no note with a leading dot or a bidi control, and escapes %% the same way in every note', async () => {
    const ws = tmp.folder('vault');
    const ran = await volt(['backtest', strategy, '--data', 'synthetic:3:300:1h'], ws);
    expect(ran.code).toBe(0);
    const vault = path.join(ws, 'Vault');
    const exported = await volt(['journal', 'export', '--vault', vault], ws);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);

    const notes: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        expect(entry.name.startsWith('.'), p).toBe(false);
        expect(entry.name, p).not.toMatch(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
        if (entry.isDirectory()) walk(p);
        else if (entry.name.endsWith('.md')) notes.push(p);
      }
    };
    walk(vault);
    const strategies = readdirSync(path.join(vault, 'Strategies'));
    expect(strategies).toHaveLength(1);
    expect(strategies[0]).toMatch(/^hidden not a comment [0-9a-f]{6}\.md$/);
    expect(notes.length).toBeGreaterThan(4);

    let labels = 0;
    for (const note of notes) {
      const text = readFileSync(note, 'utf8');
      // Frontmatter keeps the raw name for Dataview; the marker is Volt's own comment.
      const body = text.replace(/^---\n[\s\S]*?\n---\n/, '').split('\n').filter((l) => !l.startsWith('%% volt:end')).join('\n');
      expect(body, note).not.toContain('%%');
      if (body.includes('[[hidden not a comment')) {
        labels++;
        expect(body, note).toContain('%\\% not a comment%\\%\\%');
      }
    }
    // Trade notes, the run note, the decision log and the dashboard all link the strategy.
    expect(labels).toBeGreaterThanOrEqual(4);
    const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
    try {
      expect(journal.listTrades({}).length).toBeGreaterThan(0);
    } finally {
      journal.close();
    }
  });
});
