// Writes examples/signals/<source>.json: recorded fixtures in each API's own response shape, with
// values invented here (a seeded random walk), never fetched. They cover 2017-06-01 → 2019-07-10,
// the span of the real candle files in ../shared/data, so backtests on those files replay them.
// Run: node scripts/make-signal-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'signals');
const DAY = 86_400_000;
const START = Date.UTC(2017, 5, 1);
const END = Date.UTC(2019, 6, 10);
const days = [];
for (let t = START; t <= END; t += DAY) days.push(t);

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
const recordedAt = END + DAY;
const write = (source, recordings) => {
  writeFileSync(path.join(OUT, `${source}.json`), JSON.stringify({ source, note: 'invented values in the API response shape (scripts/make-signal-fixtures.mjs); not market data', recordings }) + '\n');
};
mkdirSync(OUT, { recursive: true });

// alternative.me: newest first, numbers as strings.
{
  const r = rng(1);
  let v = 50;
  const data = days.map((t) => {
    v = Math.min(95, Math.max(5, v + (r() - 0.5) * 12 + (50 - v) * 0.05));
    const value = Math.round(v);
    const cls = value <= 25 ? 'Extreme Fear' : value < 46 ? 'Fear' : value <= 54 ? 'Neutral' : value < 75 ? 'Greed' : 'Extreme Greed';
    return { value: String(value), value_classification: cls, timestamp: String(t / 1000) };
  }).reverse();
  write('fear_greed', [{ market: '', fetchedAt: recordedAt, url: 'https://api.alternative.me/fng/?limit=0&format=json', body: { name: 'Fear and Greed Index', data, metadata: { error: null } } }]);
}

// DeFiLlama: oldest first, seconds and a float.
{
  const r = rng(2);
  let tvl = 2e8;
  const body = days.map((t) => {
    tvl *= 1 + (r() - 0.48) * 0.06;
    return { date: t / 1000, tvl: round(tvl, 2) };
  });
  write('defi_tvl', [{ market: '', fetchedAt: recordedAt, url: 'https://api.llama.fi/v2/historicalChainTvl', body }]);
}

// CoinGecko market_chart/range, one answer per coin.
{
  const coins = { BTC: ['bitcoin', 2500, 1.5e9], ETH: ['ethereum', 250, 6e8], LTC: ['litecoin', 45, 2e8] };
  const recordings = Object.entries(coins).map(([market, [id, p0, v0]], k) => {
    const r = rng(10 + k);
    let p = p0;
    let v = v0;
    const prices = [], market_caps = [], total_volumes = [];
    for (const t of days) {
      p *= 1 + (r() - 0.49) * 0.08;
      v = Math.max(v0 * 0.2, v * (1 + (r() - 0.5) * 0.5) + (v0 - v) * 0.1);
      prices.push([t, round(p, 4)]);
      market_caps.push([t, round(p * 1.7e7, 0)]);
      total_volumes.push([t, round(v, 0)]);
    }
    return { market, fetchedAt: recordedAt, url: `https://api.coingecko.com/api/v3/coins/${id}/market_chart/range?vs_currency=usd&from=${START / 1000}&to=${END / 1000}`, body: { prices, market_caps, total_volumes } };
  });
  write('volume_surge', recordings);
}

// CoinGecko /search/trending: one snapshot a week, as `volt signals fetch` would have kept them.
{
  const r = rng(20);
  const pool = [['bitcoin', 'BTC', 1], ['ethereum', 'ETH', 2], ['litecoin', 'LTC', 5], ['ripple', 'XRP', 3], ['cardano', 'ADA', 8], ['tron', 'TRX', 11], ['neo', 'NEO', 9], ['iota', 'MIOTA', 12], ['stellar', 'XLM', 7], ['eos', 'EOS', 6]];
  const recordings = [];
  for (let i = 0; i < days.length; i += 7) {
    const picks = [...pool].sort(() => r() - 0.5).slice(0, 7);
    const coins = picks.map(([id, symbol, rank], j) => ({ item: { id, coin_id: 1000 + rank, name: id[0].toUpperCase() + id.slice(1), symbol, market_cap_rank: rank, thumb: `https://assets.coingecko.com/coins/images/${rank}/thumb/${id}.png`, score: j } }));
    recordings.push({ market: '', fetchedAt: days[i] + 12 * 3_600_000, url: 'https://api.coingecko.com/api/v3/search/trending', body: { coins, exchanges: [] } });
  }
  write('trending', recordings);
}

// Etherscan dailyavggasprice: strings, wei.
{
  const r = rng(30);
  let g = 20;
  const result = days.map((t) => {
    g = Math.min(400, Math.max(2, g * (1 + (r() - 0.5) * 0.3) + (20 - g) * 0.05));
    return { UTCDate: new Date(t).toISOString().slice(0, 10), unixTimeStamp: String(t / 1000), gasPrice_Wei: String(Math.round(g * 1e9)) };
  });
  write('gas_price', [{ market: '', fetchedAt: recordedAt, url: 'https://api.etherscan.io/api?module=stats&action=dailyavggasprice&startdate=2017-06-01&enddate=2019-07-10&sort=asc&apikey=***', body: { status: '1', message: 'OK', result } }]);
}

// Whale Alert: a few large transfers a day, per coin.
{
  const r = rng(40);
  const transactions = [];
  let id = 1;
  for (const t of days) {
    for (const [symbol, blockchain, px] of [['btc', 'bitcoin', 6000], ['eth', 'ethereum', 400], ['ltc', 'litecoin', 80]]) {
      if (r() < 0.6) continue;
      const usd = round(5e5 + r() * 6e7, 2);
      const into = r() < 0.5;
      transactions.push({
        blockchain, symbol, id: String(id++), transaction_type: 'transfer', hash: (id * 2654435761).toString(16),
        from: into ? { address: 'unknown', owner_type: 'unknown' } : { address: 'exch', owner: 'binance', owner_type: 'exchange' },
        to: into ? { address: 'exch', owner: 'binance', owner_type: 'exchange' } : { address: 'unknown', owner_type: 'unknown' },
        timestamp: Math.floor((t + r() * DAY) / 1000), amount: round(usd / px, 4), amount_usd: usd, transaction_count: 1,
      });
    }
  }
  write('whale_flow', [{ market: '', fetchedAt: recordedAt, url: 'https://api.whale-alert.io/v1/transactions?api_key=***&min_value=500000&start=1496275200', body: { result: 'success', cursor: '0-0-0', count: transactions.length, transactions } }]);
}

// CryptoPanic posts: a couple a day, with votes.
{
  const r = rng(50);
  const results = [];
  let id = 1;
  for (const t of days) {
    for (const code of ['BTC', 'ETH', 'LTC']) {
      if (r() < 0.65) continue;
      const mood = r();
      const at = new Date(t + Math.floor(r() * DAY)).toISOString();
      results.push({
        kind: 'news', domain: 'example.com', title: `${code} note ${id}`, published_at: at, id: id++,
        votes: { negative: Math.round((1 - mood) * 8), positive: Math.round(mood * 8), important: 0, liked: 0, disliked: 0, lol: 0, toxic: 0 },
        currencies: [{ code, title: code }],
      });
    }
  }
  write('sentiment', [{ market: '', fetchedAt: recordedAt, url: 'https://cryptopanic.com/api/v1/posts/?auth_token=***&public=true', body: { count: results.length, next: null, previous: null, results } }]);
}
console.log(`wrote ${OUT}`);
