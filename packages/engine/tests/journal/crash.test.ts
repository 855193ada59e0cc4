import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Journal } from '../../src/journal/index.js';
import { tempDirs } from './support.js';

/**
 * Real processes, a real file: the journal must survive `kill -9` in the middle of a run and two
 * processes writing at once. The children run the built engine (npm test runs `tsc -b` first).
 */
const CHILD = fileURLToPath(new URL('./record-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/journal/index.js', import.meta.url));
const tempDir = tempDirs();

interface Child {
  proc: ChildProcess;
  /** Resolves with the first JSON line that has `key`. */
  line(key: string): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[]): Child {
  const proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiting: { key: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const obj = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      lines.push(obj);
      for (const w of waiting.splice(0)) {
        if (w.key in obj) w.resolve(obj);
        else waiting.push(w);
      }
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    proc,
    exit,
    line: (key) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => key in l);
        if (seen) return resolve(seen);
        waiting.push({ key, resolve });
        void exit.then((e) => reject(new Error(`child exited (${e.code ?? e.signal}) before printing ${key}: ${e.stderr}`)));
      }),
  };
}

describe('nothing lost', () => {
  it('needs the built engine', () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run \`npx tsc -b\` before these tests`).toBe(true);
  });

  it('kill -9 in the middle of recording a long backtest: the file is sound, earlier runs intact, the killed run incomplete', async () => {
    const file = path.join(tempDir(), 'journal.db');
    const child = start(['crash', file]);
    const { complete } = (await child.line('complete')) as { complete: { runId: number; trades: number; signals: number }[] };
    const { recording } = (await child.line('recording')) as { recording: number };
    child.proc.kill('SIGKILL');
    const exit = await child.exit;
    expect(exit.signal).toBe('SIGKILL');

    // Look at the raw file first, before Journal.open repairs anything.
    const raw = new Database(file);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(recording)).toBe('running');
    const committed = raw.prepare('SELECT count(*) FROM decisions WHERE run_id = ?').pluck().get(recording) as number;
    expect(committed).toBeGreaterThan(0);
    raw.close();

    const journal = Journal.open(file);
    expect(journal.integrityCheck()).toBe('ok');
    const killed = journal.getRun(recording)!;
    expect(killed.status).toBe('incomplete');
    expect(killed.finishedAt).toBeNull();
    expect(killed.decisionCount).toBe(committed);
    for (const c of complete) {
      const run = journal.getRun(c.runId)!;
      expect(run.status).toBe('complete');
      expect(run.tradeCount).toBe(c.trades);
      expect(run.decisionCount).toBe(c.signals);
      expect(run.metrics).not.toBeNull();
    }
    // The journal keeps working after the crash.
    const next = journal.startRun({ strategyName: 'after the crash', gitCommit: null });
    expect(next).toBeGreaterThan(recording);
    journal.close();
  });

  it('two processes recording at once: both runs complete, every row in place', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'journal.db');
    const go = path.join(dir, 'go');
    const children = [start(['record', file, '11', go]), start(['record', file, '12', go])];
    await Promise.all(children.map((c) => c.line('ready')));
    writeFileSync(go, '');
    const results = (await Promise.all(children.map((c) => c.line('runId')))) as unknown as { runId: number; trades: number; signals: number }[];
    const exits = await Promise.all(children.map((c) => c.exit));
    expect(exits.map((e) => [e.code, e.stderr])).toEqual([
      [0, ''],
      [0, ''],
    ]);

    const journal = Journal.open(file);
    expect(journal.integrityCheck()).toBe('ok');
    expect(new Set(results.map((r) => r.runId)).size).toBe(2);
    for (const r of results) {
      const run = journal.getRun(r.runId)!;
      expect(run.status).toBe('complete');
      expect(run.tradeCount).toBe(r.trades);
      expect(run.decisionCount).toBe(r.signals);
      expect(r.signals).toBeGreaterThan(1000);
    }
    journal.close();
  });
});
