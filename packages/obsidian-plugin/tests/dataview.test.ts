/**
 * Every Dataview query Volt writes parses with Dataview's own query parser (QUERY_LANGUAGE of
 * obsidian-dataview 0.5.68): those in examples/vault, in a vault the plugin exports (with a reviewed
 * trade), and the ones the plugin's README offers. `npm install obsidian-dataview` fails on a git
 * dependency, but its lib/index.js is self-contained apart from `obsidian` (which it only loads), so
 * the set-up packs it from the npm registry into .cache/ and unpacks it there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import * as standIn from './obsidian-stand-in.js';
import { saveReview, syncVault } from '../src/commands.js';
import { PLUGIN_DIR, REPO_ROOT, recordedRun, workbench, type Workbench } from './fixtures.js';

const VERSION = '0.5.68';
const CACHE = path.join(REPO_ROOT, '.cache', `obsidian-dataview-${VERSION}`);
const BUNDLE = path.join(CACHE, 'package', 'lib', 'index.js');

interface Parsed {
  status: boolean;
  expected?: string[];
  index?: { line: number; column: number };
}
let parseQuery: (text: string) => Parsed;
let w: Workbench;

function dataviewBundle(): string {
  if (existsSync(BUNDLE)) return BUNDLE;
  mkdirSync(CACHE, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `obsidian-dataview@${VERSION}`, '--pack-destination', CACHE, '--silent'], { encoding: 'utf8', cwd: CACHE }).trim().split('\n').pop()!;
  execFileSync('tar', ['-xzf', path.join(CACHE, tgz), '-C', CACHE]);
  return BUNDLE;
}

beforeAll(async () => {
  const bundle = dataviewBundle();
  // The bundle's one `require('obsidian')` gets the stand-in: it only loads the module.
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = (req, ...rest) => (req === 'obsidian' ? standIn : load(req, ...rest));
  try {
    const dv = createRequire(import.meta.url)(bundle) as { QUERY_LANGUAGE: { query: { parse(text: string): Parsed } } };
    parseQuery = (text) => dv.QUERY_LANGUAGE.query.parse(text);
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
  w = await workbench();
  await recordedRun(w, w.strategy('rsi-mean-reversion.strategy.ts'));
  await syncVault(w.ctx);
  const trade = (await w.client.runs({ limit: 1 })).runs[0]!;
  const detail = await w.client.run(Number(trade.runId));
  await saveReview(w.ctx, Number(detail.trades[0]!.tradeId), { outcome: 'CORRECT', rating: 4, tags: ['pullback'], review: 'ok' });
}, 120_000);
afterAll(async () => {
  await w?.dispose();
});

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownFiles(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : []));
}

/** The body of every ```dataview block, with the file and line it starts on. */
function queriesIn(files: readonly string[]): { where: string; query: string }[] {
  const out: { where: string; query: string }[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() !== '```dataview') continue;
      const end = lines.indexOf('```', i + 1);
      out.push({ where: `${path.relative(REPO_ROOT, file)}:${i + 2}`, query: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return out;
}

function failures(queries: readonly { where: string; query: string }[]): string[] {
  return queries.flatMap(({ where, query }) => {
    const r = parseQuery(query);
    return r.status ? [] : [`${where}: expected ${r.expected?.join(' or ')} at ${r.index?.line}:${r.index?.column}\n${query}`];
  });
}

it("Dataview's parser refuses what is not a query (the check can fail)", () => {
  expect(parseQuery('TABLE pnl FROM #volt/trade WHERE').status).toBe(false);
  expect(parseQuery('TABLE pnl FROM #volt/trade WHERE rating >= 4').status).toBe(true);
});

it('every query in examples/vault parses', () => {
  const queries = queriesIn(markdownFiles(path.join(REPO_ROOT, 'examples', 'vault')));
  expect(queries.length).toBeGreaterThan(5);
  expect(failures(queries)).toEqual([]);
});

it('every query in a vault the plugin exported parses, the reviewed trade included', () => {
  const files = markdownFiles(w.notes);
  expect(files.some((f) => readFileSync(f, 'utf8').includes('review_tags:'))).toBe(true);
  const queries = queriesIn(files);
  expect(queries.length).toBeGreaterThan(5);
  expect(failures(queries)).toEqual([]);
});

it("the queries the plugin's README offers parse", () => {
  const queries = queriesIn([path.join(PLUGIN_DIR, 'README.md')]);
  expect(queries.length).toBeGreaterThanOrEqual(3);
  expect(failures(queries)).toEqual([]);
});
