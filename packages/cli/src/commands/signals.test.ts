import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Journal, SignalCache } from '@volt/engine';
import { sharedDataFile } from '../../../../test-support/shared-data.js';
import { main } from '../main.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-signals-cli-'));
const fixtures = path.resolve(__dirname, '../../../../examples/signals');
let out = '';
let err = '';
let server: Server;
let base = '';
beforeAll(async () => {
  // alternative.me's answer shape, three days of it.
  const body = { name: 'Fear and Greed Index', data: [0, 1, 2].map((d) => ({ value: String(20 + d), value_classification: 'Fear', timestamp: String(Date.UTC(2024, 0, 3 - d) / 1000) })), metadata: { error: null } };
  server = createServer((req, res) => {
    if (req.url?.startsWith('/fng/')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function workspace(name: string, config: object): string {
  const root = path.join(tmp, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify(config));
  return root;
}

describe('volt signals', () => {
  it('list names every source, its key variable and whether it is set', async () => {
    vi.stubEnv('ETHERSCAN_API_KEY', 'x');
    vi.stubEnv('WHALE_ALERT_API_KEY', '');
    const root = workspace('list', {});
    expect(await main(['signals', 'list', '--root', root])).toBe(0);
    expect(out).toMatch(/^fear_greed .*Fear & Greed/m);
    expect(out).toMatch(/ETHERSCAN_API_KEY set/);
    expect(out).toMatch(/WHALE_ALERT_API_KEY NOT SET \(required\)/);
  });

  it('fetch asks the source at its base URL and keeps the values in the journal', async () => {
    vi.stubEnv('VOLT_FEAR_GREED_URL', base);
    const root = workspace('fetch', {});
    const code = await main(['signals', 'fetch', 'fear_greed', '--symbol', 'BTC/USD', '--from', '2024-01-01', '--to', '2024-01-04', '--root', root]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/fear_greed: 3 values 2024-01-01 → 2024-01-03 kept in/);
    const j = Journal.openExisting(path.join(root, '.volt', 'journal.db'));
    try {
      expect(new SignalCache(j.db).points('fear_greed', '').map((p) => p.value)).toEqual([22, 21, 20]);
    } finally {
      j.close();
    }
  });

  it('fetch says in one line when a key is missing, and exits 1', async () => {
    vi.stubEnv('ETHERSCAN_API_KEY', '');
    const root = workspace('nokey', {});
    expect(await main(['signals', 'fetch', 'gas_price', '--symbol', 'ETH/USD', '--root', root])).toBe(1);
    expect(err).toMatch(/gas_price needs an API key: ETHERSCAN_API_KEY is not set\n  fix: export ETHERSCAN_API_KEY=/);
  });

  it('check reads the fixtures a backtest would replay and says how many bars see each signal', async () => {
    const root = workspace('check', { agents: { signals: fixtures } });
    expect(await main(['signals', 'check', '--data', sharedDataFile('ETH_BTC-5m.json'), '--root', root])).toBe(0);
    expect(out).toMatch(/every value published no earlier than its source allows/);
    expect(out).toMatch(/fear_greed +\d+ values from .*fear_greed\.json; 5760 of 5760 bars see it/);
    // DeFi TVL is a day's close: the first day of the data cannot see that day's value, only the day before's.
    expect(out).toMatch(/defi_tvl .*of 5760 bars see it/);
  });

  it('check refuses a fixture whose value claims to be published before its source could know it', async () => {
    const dir = path.join(tmp, 'bad-fixtures');
    mkdirSync(dir, { recursive: true });
    const t = Date.UTC(2018, 0, 15) / 1000;
    writeFileSync(path.join(dir, 'gas_price.json'), JSON.stringify({ source: 'gas_price', recordings: [{ market: '', fetchedAt: 0, url: '', body: { status: '1', message: 'OK', result: [{ UTCDate: '2018-01-15', unixTimeStamp: String(t), gasPrice_Wei: '20000000000' }] } }] }));
    // A hand-edited cache row: the day's average stamped as known at the day's start.
    const root = workspace('bad', { agents: { signals: dir } });
    const j = Journal.open(path.join(root, '.volt', 'journal.db'));
    new SignalCache(j.db).put('gas_price', '', [{ time: t * 1000, published: t * 1000, value: 20 }], 0);
    j.close();
    expect(await main(['signals', 'check', '--symbol', 'ETH/BTC', '--root', root])).toBe(1);
    expect(err).toMatch(/journal cache: gas_price: the value for 2018-01-15T00:00:00Z says it was published at 2018-01-15T00:00:00Z, before the source could know it/);
  });
});
