import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Journal, MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './index.js';
import { VoltError } from '../errors.js';
import { tempDirs } from '../../tests/journal/support.js';

const tempDir = tempDirs();

/**
 * The journal as Volt's first release wrote it (schema version 1), typed in by hand rather than
 * produced by MIGRATIONS, so a change to migration 1 cannot quietly change what "old" means.
 */
function handBuiltV1(file: string, deadPid: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER,
      status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete', 'failed')), pid INTEGER,
      strategy_name TEXT NOT NULL, strategy_path TEXT, content_hash TEXT, git_commit TEXT,
      params TEXT NOT NULL DEFAULT '{}', symbol TEXT, timeframe TEXT, data_source TEXT, data_from INTEGER,
      data_to INTEGER, bars INTEGER, config TEXT, metrics TEXT, equity_curve TEXT, agents_mode TEXT, error TEXT);
    CREATE TABLE trades (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      trade_no INTEGER NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL CHECK (side IN ('long', 'short')),
      qty REAL NOT NULL, entry_time INTEGER NOT NULL, entry_bar INTEGER, entry_price REAL NOT NULL,
      exit_time INTEGER, exit_bar INTEGER, exit_price REAL, exit_reason TEXT, pnl REAL, pnl_pct REAL,
      fees REAL NOT NULL DEFAULT 0, bars_held INTEGER, confidence REAL, reason TEXT, stop_price REAL,
      take_profit_price REAL, UNIQUE (run_id, trade_no));
    CREATE TABLE decisions (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL, time INTEGER NOT NULL, bar INTEGER, symbol TEXT,
      action TEXT NOT NULL CHECK (action IN ('buy', 'sell', 'exit', 'hold')), confidence REAL, reason TEXT,
      status TEXT NOT NULL CHECK (status IN ('approved', 'modified', 'rejected')), ignored TEXT, trade_no INTEGER,
      agent_results TEXT, consensus_decision TEXT, recommendations TEXT, UNIQUE (run_id, seq));
    CREATE TABLE agent_messages (id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
      decision_seq INTEGER, time INTEGER NOT NULL, from_agent TEXT NOT NULL, to_agent TEXT,
      kind TEXT NOT NULL DEFAULT 'message', model TEXT, content TEXT NOT NULL);
    CREATE TABLE outcomes (trade_id INTEGER PRIMARY KEY REFERENCES trades (id) ON DELETE CASCADE,
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      outcome TEXT NOT NULL CHECK (outcome IN ('PENDING', 'CORRECT', 'FALSE_POSITIVE', 'STOPPED')),
      exit_price REAL, pnl REAL, pnl_pct REAL, duration_ms INTEGER, updated_at INTEGER NOT NULL);
    CREATE TABLE llm_cache (model TEXT NOT NULL, prompt_hash TEXT NOT NULL, response TEXT NOT NULL,
      created_at INTEGER NOT NULL, PRIMARY KEY (model, prompt_hash)) WITHOUT ROWID;

    INSERT INTO runs (id, started_at, finished_at, status, pid, strategy_name, params, symbol, timeframe, metrics)
      VALUES (1, 1700000000000, 1700000005000, 'complete', 1, 'RSI: "old" run', '{"oversold":30}', 'ETH/USDT', '1h', '{"totalReturn":0.12}');
    INSERT INTO runs (id, started_at, status, pid, strategy_name) VALUES (2, 1700000010000, 'running', ${deadPid}, 'Killed mid-run');
    INSERT INTO trades (run_id, trade_no, symbol, side, qty, entry_time, entry_price, exit_time, exit_price, exit_reason, pnl)
      VALUES (1, 1, 'ETH/USDT', 'long', 1.5, 1700000000000, 2000, 1700003600000, 2100, 'takeProfit', 148.5);
    INSERT INTO outcomes (trade_id, run_id, outcome, exit_price, pnl, duration_ms, updated_at)
      VALUES (1, 1, 'CORRECT', 2100, 148.5, 3600000, 1700003600000);
    INSERT INTO decisions (run_id, seq, time, action, status, trade_no, agent_results)
      VALUES (1, 1, 1700000000000, 'buy', 'approved', 1, '{"trend":{"decision":"BUY","confidence":0.7}}');
    INSERT INTO llm_cache VALUES ('llama3.3', 'abc', '{"ok":true}', 1700000000000);
  `);
  db.pragma('user_version = 1');
  db.close();
}

describe('migrations', () => {
  it('migrates a journal written by schema version 1 without losing a row', () => {
    const file = path.join(tempDir(), 'old.db');
    handBuiltV1(file, spawnSync(process.execPath, ['-e', '0']).pid!);

    const journal = Journal.open(file);
    expect(journal.schemaVersion).toBe(SCHEMA_VERSION);
    expect(journal.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const columns = (journal.db.pragma('table_info(runs)') as { name: string }[]).map((c) => c.name);
    expect(columns).toContain('host');

    const old = journal.getRun(1)!;
    expect(old).toMatchObject({ status: 'complete', strategyName: 'RSI: "old" run', params: { oversold: 30 }, host: null, tradeCount: 1 });
    expect(old.metrics).toEqual({ totalReturn: 0.12 });
    expect(journal.listTrades({ runId: 1 })[0]).toMatchObject({ pnl: 148.5, outcome: 'CORRECT', durationMs: 3_600_000 });
    expect(journal.listDecisions({ runId: 1 })[0]!.agentResults).toEqual({ trend: { decision: 'BUY', confidence: 0.7 } });
    expect(journal.getCachedLlm('llama3.3', 'abc')).toBe('{"ok":true}');
    // Written before runs had a host: a dead pid is judged on this machine.
    expect(journal.getRun(2)!.status).toBe('incomplete');
    expect(journal.integrityCheck()).toBe('ok');
    // New rows go in beside the old ones.
    const runId = journal.startRun({ strategyName: 'new', gitCommit: null });
    expect(runId).toBe(3);
    journal.close();
  });

  it('creates the whole schema in an empty file', () => {
    const file = path.join(tempDir(), 'new.db');
    const journal = Journal.open(file);
    const tables = journal.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(['agent_evaluations', 'agent_messages', 'agent_track_records', 'decisions', 'llm_cache', 'outcomes', 'param_suggestions', 'runs', 'session_bars', 'session_fills', 'session_orders', 'sessions', 'signal_values', 'spread_sessions', 'strategy_tiers', 'sweep_trials', 'sweeps', 'synth_attempts', 'syntheses', 'tier_moves', 'trade_reviews', 'trades']);
    expect(journal.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(journal.db.pragma('foreign_keys', { simple: true })).toBe(1);
    journal.close();
  });

  it('refuses a journal from a newer Volt, naming the file and what to do', () => {
    const file = path.join(tempDir(), 'future.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    let error: unknown;
    try {
      Journal.open(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VoltError);
    expect((error as VoltError).kind).toBe('journal');
    expect((error as VoltError).file).toBe(file);
    expect((error as VoltError).hint).toMatch(/upgrade Volt/);
  });

  it('explains a file that is not a database', () => {
    const file = path.join(tempDir(), 'notes.db');
    writeFileSync(file, 'these are my notes, not a database '.repeat(100));
    expect(() => Journal.open(file)).toThrowError(/this file is not a journal: it is not a SQLite database/);
  });

  it('applies pending steps in order, each with its version, and rolls a failing step back whole', () => {
    const db = new Database(':memory:');
    const applied: number[] = [];
    const steps: Migration[] = [
      { version: 1, name: 'a', up: (d) => (applied.push(1), d.exec('CREATE TABLE a (x)')) },
      { version: 2, name: 'b', up: (d) => (applied.push(2), d.exec('CREATE TABLE b (x)')) },
    ];
    expect(migrate(db, ':memory:', steps)).toBe(2);
    expect(migrate(db, ':memory:', steps)).toBe(2);
    expect(applied).toEqual([1, 2]);

    const broken: Migration[] = [
      ...steps,
      {
        version: 3,
        name: 'half done',
        up: (d) => {
          d.exec('CREATE TABLE c (x)');
          throw new Error('disk full');
        },
      },
    ];
    expect(() => migrate(db, ':memory:', broken)).toThrow('disk full');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'c'`).pluck().get()).toBe(0);
    db.close();
  });

  it('has versions that increase by one', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
