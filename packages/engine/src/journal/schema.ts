import type Database from 'better-sqlite3';
import { VoltError } from '../errors.js';

/**
 * One step of the journal's schema history. Migrations run in order, each in its own immediate
 * transaction that also bumps `PRAGMA user_version`, so a journal is always at exactly one version
 * and two processes opening an old journal at once cannot apply a step twice.
 */
export interface Migration {
  version: number;
  /** Why this step exists, in a few words. */
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, trades, decisions, agent messages, outcomes, LLM cache',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          id            INTEGER PRIMARY KEY,
          started_at    INTEGER NOT NULL,
          finished_at   INTEGER,
          status        TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
          pid           INTEGER,
          strategy_name TEXT NOT NULL,
          strategy_path TEXT,
          content_hash  TEXT,
          git_commit    TEXT,
          params        TEXT NOT NULL DEFAULT '{}',
          symbol        TEXT,
          timeframe     TEXT,
          data_source   TEXT,
          data_from     INTEGER,
          data_to       INTEGER,
          bars          INTEGER,
          config        TEXT,
          metrics       TEXT,
          equity_curve  TEXT,
          agents_mode   TEXT,
          error         TEXT
        );
        CREATE INDEX runs_by_strategy ON runs (strategy_name, started_at);
        CREATE INDEX runs_by_status ON runs (status);

        CREATE TABLE trades (
          id                INTEGER PRIMARY KEY,
          run_id            INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          trade_no          INTEGER NOT NULL,
          symbol            TEXT NOT NULL,
          side              TEXT NOT NULL CHECK (side IN ('long', 'short')),
          qty               REAL NOT NULL,
          entry_time        INTEGER NOT NULL,
          entry_bar         INTEGER,
          entry_price       REAL NOT NULL,
          exit_time         INTEGER,
          exit_bar          INTEGER,
          exit_price        REAL,
          exit_reason       TEXT,
          pnl               REAL,
          pnl_pct           REAL,
          fees              REAL NOT NULL DEFAULT 0,
          bars_held         INTEGER,
          confidence        REAL,
          reason            TEXT,
          stop_price        REAL,
          take_profit_price REAL,
          UNIQUE (run_id, trade_no)
        );
        CREATE INDEX trades_by_entry_time ON trades (entry_time);

        CREATE TABLE decisions (
          id                 INTEGER PRIMARY KEY,
          run_id             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          seq                INTEGER NOT NULL,
          time               INTEGER NOT NULL,
          bar                INTEGER,
          symbol             TEXT,
          action             TEXT NOT NULL CHECK (action IN ('buy', 'sell', 'exit', 'hold')),
          confidence         REAL,
          reason             TEXT,
          status             TEXT NOT NULL CHECK (status IN ('approved', 'modified', 'rejected')),
          ignored            TEXT,
          trade_no           INTEGER,
          agent_results      TEXT,
          consensus_decision TEXT,
          recommendations    TEXT,
          UNIQUE (run_id, seq)
        );
        CREATE INDEX decisions_by_trade ON decisions (run_id, trade_no);
        CREATE INDEX decisions_by_time ON decisions (time);

        CREATE TABLE agent_messages (
          id           INTEGER PRIMARY KEY,
          run_id       INTEGER REFERENCES runs (id) ON DELETE CASCADE,
          decision_seq INTEGER,
          time         INTEGER NOT NULL,
          from_agent   TEXT NOT NULL,
          to_agent     TEXT,
          kind         TEXT NOT NULL DEFAULT 'message',
          model        TEXT,
          content      TEXT NOT NULL
        );
        CREATE INDEX agent_messages_by_decision ON agent_messages (run_id, decision_seq);

        CREATE TABLE outcomes (
          trade_id    INTEGER PRIMARY KEY REFERENCES trades (id) ON DELETE CASCADE,
          run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          outcome     TEXT NOT NULL CHECK (outcome IN ('PENDING', 'CORRECT', 'FALSE_POSITIVE', 'STOPPED')),
          exit_price  REAL,
          pnl         REAL,
          pnl_pct     REAL,
          duration_ms INTEGER,
          updated_at  INTEGER NOT NULL
        );
        CREATE INDEX outcomes_by_label ON outcomes (outcome);

        CREATE TABLE llm_cache (
          model       TEXT NOT NULL,
          prompt_hash TEXT NOT NULL,
          response    TEXT NOT NULL,
          created_at  INTEGER NOT NULL,
          PRIMARY KEY (model, prompt_hash)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: 'runs.host: a pid only says whether a run is alive on the machine that started it',
    up(db) {
      db.exec(`ALTER TABLE runs ADD COLUMN host TEXT`);
    },
  },
  {
    version: 3,
    name: 'decisions.repeats and runs.decisions_dropped: a flooding strategy is counted, not listed row by row',
    up(db) {
      db.exec(`
        ALTER TABLE decisions ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE runs ADD COLUMN decisions_dropped INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
  {
    version: 4,
    name: 'sweeps and sweep_trials (optimisation journaled trial by trial, so a sweep can resume); strategy tiers and their moves',
    up(db) {
      db.exec(`
        CREATE TABLE sweeps (
          id            INTEGER PRIMARY KEY,
          started_at    INTEGER NOT NULL,
          finished_at   INTEGER,
          status        TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
          pid           INTEGER,
          host          TEXT,
          strategy_name TEXT NOT NULL,
          strategy_path TEXT NOT NULL,
          content_hash  TEXT NOT NULL,
          data_spec     TEXT NOT NULL,
          data_hash     TEXT NOT NULL,
          symbol        TEXT,
          timeframe     TEXT,
          data_from     INTEGER,
          data_to       INTEGER,
          bars          INTEGER,
          method        TEXT NOT NULL,
          objective     TEXT NOT NULL,
          min_trades    INTEGER NOT NULL,
          trials        INTEGER NOT NULL,
          folds         INTEGER NOT NULL,
          windows       TEXT NOT NULL,
          seed          INTEGER NOT NULL,
          settings      TEXT NOT NULL,
          result        TEXT,
          error         TEXT
        );
        CREATE INDEX sweeps_by_strategy ON sweeps (strategy_name, started_at);

        CREATE TABLE sweep_trials (
          sweep_id      INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
          fold          INTEGER NOT NULL,
          role          TEXT NOT NULL CHECK (role IN ('search', 'test')),
          trial_no      INTEGER NOT NULL,
          params        TEXT NOT NULL,
          window_from   INTEGER,
          window_to     INTEGER,
          score         REAL,
          metrics       TEXT,
          error         TEXT,
          equity        BLOB,
          trade_returns BLOB,
          bars          INTEGER,
          duration_ms   REAL,
          finished_at   INTEGER NOT NULL,
          PRIMARY KEY (sweep_id, fold, role, trial_no)
        );

        CREATE TABLE strategy_tiers (
          strategy_name TEXT PRIMARY KEY,
          tier          TEXT NOT NULL CHECK (tier IN ('COLD', 'WARM', 'HOT')),
          since         INTEGER NOT NULL,
          reason        TEXT NOT NULL,
          sweep_id      INTEGER REFERENCES sweeps (id) ON DELETE SET NULL
        );

        CREATE TABLE tier_moves (
          id            INTEGER PRIMARY KEY,
          strategy_name TEXT NOT NULL,
          at            INTEGER NOT NULL,
          from_tier     TEXT CHECK (from_tier IN ('COLD', 'WARM', 'HOT')),
          to_tier       TEXT NOT NULL CHECK (to_tier IN ('COLD', 'WARM', 'HOT')),
          reason        TEXT NOT NULL,
          sweep_id      INTEGER REFERENCES sweeps (id) ON DELETE SET NULL,
          evidence      TEXT NOT NULL
        );
        CREATE INDEX tier_moves_by_strategy ON tier_moves (strategy_name, at);
      `);
    },
  },  {
    version: 5,
    name: 'strategy drafts: syntheses and their attempts',
    up(db) {
      db.exec(`
        CREATE TABLE syntheses (
          id            INTEGER PRIMARY KEY,
          started_at    INTEGER NOT NULL,
          finished_at   INTEGER,
          status        TEXT NOT NULL CHECK (status IN ('running', 'proven', 'refused', 'unavailable', 'failed')),
          idea          TEXT NOT NULL,
          model         TEXT NOT NULL,
          data_spec     TEXT NOT NULL,
          strategy_name TEXT,
          draft_path    TEXT,
          message       TEXT
        );

        CREATE TABLE synth_attempts (
          synthesis_id  INTEGER NOT NULL REFERENCES syntheses (id) ON DELETE CASCADE,
          attempt       INTEGER NOT NULL,
          at            INTEGER NOT NULL,
          model         TEXT NOT NULL,
          prompt_hash   TEXT NOT NULL,
          answer_source TEXT NOT NULL CHECK (answer_source IN ('llm', 'cache')),
          code_hash     TEXT,
          strategy_name TEXT,
          stage         TEXT NOT NULL,
          proven        INTEGER NOT NULL,
          findings      TEXT NOT NULL,
          metrics       TEXT,
          walk_forward  TEXT,
          PRIMARY KEY (synthesis_id, attempt)
        );
      `);
    },
  },
  {
    version: 6,
    name: "trade_reviews: the trader's review of a trade (outcome override, rating, playbook tags, text), kept apart from what a run recorded",
    up(db) {
      db.exec(`
        CREATE TABLE trade_reviews (
          trade_id   INTEGER PRIMARY KEY REFERENCES trades (id) ON DELETE CASCADE,
          outcome    TEXT CHECK (outcome IN ('PENDING', 'CORRECT', 'FALSE_POSITIVE', 'STOPPED')),
          rating     INTEGER CHECK (rating BETWEEN 1 AND 5),
          tags       TEXT NOT NULL DEFAULT '[]',
          review     TEXT NOT NULL DEFAULT '',
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 7,
    name: 'the learning loop: outside signal values (a cache the backtests replay), decisions.technical_signals and outside_signals as JSON, agents\' track records across runs',
    up(db) {
      db.exec(`
        CREATE TABLE signal_values (
          source     TEXT NOT NULL,
          market     TEXT NOT NULL DEFAULT '',
          time       INTEGER NOT NULL,
          published  INTEGER NOT NULL,
          value      REAL NOT NULL,
          fetched_at INTEGER NOT NULL,
          PRIMARY KEY (source, market, time)
        ) WITHOUT ROWID;

        ALTER TABLE decisions ADD COLUMN technical_signals TEXT;
        ALTER TABLE decisions ADD COLUMN outside_signals TEXT;

        CREATE TABLE agent_track_records (
          agent      TEXT NOT NULL,
          market     TEXT NOT NULL,
          regime     TEXT NOT NULL,
          judged     INTEGER NOT NULL DEFAULT 0,
          correct    INTEGER NOT NULL DEFAULT 0,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (agent, market, regime)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 8,
    name: 'market sessions (volt paper / volt live): the session, every bar it saw and every fill price, so a session resumes from the journal',
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          id            INTEGER PRIMARY KEY,
          run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          mode          TEXT NOT NULL CHECK (mode IN ('paper', 'live', 'testnet')),
          exchange      TEXT NOT NULL,
          symbol        TEXT NOT NULL,
          timeframe     TEXT NOT NULL,
          strategy_path TEXT NOT NULL,
          capital       REAL NOT NULL,
          settings      TEXT NOT NULL,
          status        TEXT NOT NULL CHECK (status IN ('running', 'stopped', 'finished', 'failed')),
          pid           INTEGER,
          started_at    INTEGER NOT NULL,
          ends_at       INTEGER,
          stopped_at    INTEGER,
          stop_reason   TEXT,
          stop_requested TEXT,
          warmup_bars   INTEGER NOT NULL DEFAULT 0,
          drift         TEXT
        );
        CREATE INDEX sessions_by_status ON sessions (status);

        CREATE TABLE session_bars (
          session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          bar        INTEGER NOT NULL,
          time       INTEGER NOT NULL,
          open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL,
          equity     REAL,
          position   REAL,
          orders     TEXT NOT NULL DEFAULT '[]',
          PRIMARY KEY (session_id, bar)
        );

        CREATE TABLE session_fills (
          session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          seq        INTEGER NOT NULL,
          kind       TEXT NOT NULL CHECK (kind IN ('fill', 'watch', 'flatten')),
          bar        INTEGER NOT NULL,
          time       INTEGER NOT NULL,
          price      REAL,
          open REAL, high REAL, low REAL,
          PRIMARY KEY (session_id, seq)
        );

        CREATE TABLE session_orders (
          session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          order_id   TEXT NOT NULL,
          bar        INTEGER NOT NULL,
          time       INTEGER NOT NULL,
          side       TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
          amount     REAL NOT NULL,
          filled     REAL NOT NULL,
          average    REAL,
          status     TEXT NOT NULL,
          reason     TEXT,
          PRIMARY KEY (session_id, order_id)
        );
      `);
    },
  },
  {
    version: 9,
    name: 'paper spread sessions (volt scan spreads --paper): their settings and the open legs, so a session resumes after a crash',
    up(db) {
      db.exec(`
        CREATE TABLE spread_sessions (
          run_id     INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
          symbol     TEXT NOT NULL,
          exchanges  TEXT NOT NULL,
          settings   TEXT NOT NULL,
          status     TEXT NOT NULL CHECK (status IN ('running', 'finished')),
          position   TEXT,
          pid        INTEGER,
          started_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX spread_sessions_by_status ON spread_sessions (status);
      `);
    },
  },
  {
    version: 10,
    name: 'agent evaluations (volt agents evaluate): each out-of-sample comparison of the panel and its agents, so the editors can show the last one',
    up(db) {
      db.exec(`
        CREATE TABLE agent_evaluations (
          id            INTEGER PRIMARY KEY,
          created_at    INTEGER NOT NULL,
          strategy      TEXT NOT NULL,
          strategy_path TEXT,
          datasets      TEXT NOT NULL,
          folds         INTEGER NOT NULL,
          best          TEXT NOT NULL,
          result        TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 11,
    name: 'param suggestions (volt suggest, volt/suggest): each offered change, so the weekly report can list the ones still pending',
    up(db) {
      db.exec(`
        CREATE TABLE param_suggestions (
          id            INTEGER PRIMARY KEY,
          created_at    INTEGER NOT NULL,
          strategy_name TEXT NOT NULL,
          strategy_path TEXT,
          data_spec     TEXT NOT NULL,
          param         TEXT NOT NULL,
          from_value    REAL NOT NULL,
          to_value      REAL NOT NULL,
          message       TEXT NOT NULL
        );
        CREATE INDEX param_suggestions_by_strategy ON param_suggestions (strategy_name, param, created_at);
      `);
    },
  },
  {
    version: 12,
    name: "runs.options_greeks: a ctx.options run's book greeks per bar and hedge efficiency, so the run views draw them",
    up(db) {
      db.exec(`ALTER TABLE runs ADD COLUMN options_greeks TEXT`);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings `db` up to the newest version in `migrations`. A journal newer than this Volt is refused
 * (its columns could mean something we do not know); an older one is migrated step by step.
 */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new VoltError({
      kind: 'journal',
      file,
      message: `the journal is at schema version ${current}, newer than this Volt understands (${latest})`,
      hint: 'upgrade Volt, or point --journal at another file',
    });
  }
  for (const step of migrations) {
    if (step.version <= current) continue;
    // Immediate: take the write lock first, then re-check, so a concurrent opener that got there
    // first is not migrated over.
    db.transaction(() => {
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now >= step.version) return;
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
