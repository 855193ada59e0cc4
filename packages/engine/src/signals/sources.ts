import { SignalShapeError, type SignalPoint, type SignalRecording, type SignalSource } from './types.js';

const DAY_MS = 86_400_000;

// Shape checks: an answer that is not what the API documents is refused at the place it breaks.
function obj(x: unknown, where: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new SignalShapeError(where, `expected an object at ${where}, found ${kind(x)}`);
  return x as Record<string, unknown>;
}
function arr(x: unknown, where: string): unknown[] {
  if (!Array.isArray(x)) throw new SignalShapeError(where, `expected an array at ${where}, found ${kind(x)}`);
  return x;
}
/** A number, or a string holding one (several of these APIs send numbers as strings). */
function num(x: unknown, where: string): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : Number.NaN;
  if (!Number.isFinite(n)) throw new SignalShapeError(where, `expected a number at ${where}, found ${kind(x)}`);
  return n;
}
function str(x: unknown, where: string): string {
  if (typeof x !== 'string') throw new SignalShapeError(where, `expected a string at ${where}, found ${kind(x)}`);
  return x;
}
function kind(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'string' ? `"${x.length > 40 ? x.slice(0, 40) + '…' : x}"` : typeof x;
}
function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
function signed(x: number, digits: number, unit = ''): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(digits)}${unit}`;
}

/** Sums per UTC day, published when the day is over. */
function daily(buckets: Map<number, number>): SignalPoint[] {
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, published: time + DAY_MS, value }));
}

/** alternative.me's Crypto Fear & Greed Index: `{ name, data: [{ value: "40", value_classification, timestamp: "1551157200" }], metadata }`. */
export const fearGreed: SignalSource = {
  name: 'fear_greed',
  title: 'Crypto Fear & Greed Index (alternative.me)',
  unit: 'index 0–100 (0 extreme fear, 100 extreme greed)',
  perMarket: false,
  keyRequired: false,
  urlEnv: 'VOLT_FEAR_GREED_URL',
  defaultBaseUrl: 'https://api.alternative.me',
  maxStaleMs: 3 * DAY_MS,
  // The day's index is published as the day starts (it is computed from the day before).
  minLagMs: 0,
  // limit=0 asks for the whole history (a few thousand days, one small answer).
  request: ({ baseUrl }) => ({ url: `${baseUrl}/fng/?limit=0&format=json`, headers: {} }),
  parse(rec) {
    const body = obj(rec.body, 'the answer');
    const meta = body.metadata === undefined ? undefined : obj(body.metadata, 'metadata');
    if (meta && meta.error) throw new SignalShapeError('metadata.error', `the API answered an error: ${String(meta.error)}`);
    return arr(body.data, 'data').map((row, i) => {
      const r = obj(row, `data[${i}]`);
      const time = num(r.timestamp, `data[${i}].timestamp`) * 1000;
      return { time, published: time, value: num(r.value, `data[${i}].value`) };
    });
  },
  // Contrarian, as the index's makers put it: extreme fear is a buying opportunity.
  score: (v) => clamp((50 - v) / 50),
  describe: (v) => `fear & greed ${v.toFixed(0)} (${v <= 25 ? 'extreme fear' : v < 46 ? 'fear' : v <= 54 ? 'neutral' : v < 75 ? 'greed' : 'extreme greed'})`,
};

/** DeFiLlama's total value locked across chains, `/v2/historicalChainTvl`: `[{ date: 1530230400, tvl: 20541.9 }]`; the value is the day's change. */
export const defiTvl: SignalSource = {
  name: 'defi_tvl',
  title: 'DeFi total value locked, day-on-day change (DeFiLlama)',
  unit: 'fraction (0.02 = TVL up 2% on the day before)',
  perMarket: false,
  keyRequired: false,
  urlEnv: 'VOLT_DEFILLAMA_URL',
  defaultBaseUrl: 'https://api.llama.fi',
  maxStaleMs: 3 * DAY_MS,
  // A day's point is the TVL at its end: known once the day is over.
  minLagMs: DAY_MS,
  request: ({ baseUrl }) => ({ url: `${baseUrl}/v2/historicalChainTvl`, headers: {} }),
  parse(rec) {
    const rows = arr(rec.body, 'the answer').map((row, i) => {
      const r = obj(row, `[${i}]`);
      return { time: num(r.date, `[${i}].date`) * 1000, tvl: num(r.tvl, `[${i}].tvl`) };
    });
    rows.sort((a, b) => a.time - b.time);
    const out: SignalPoint[] = [];
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1]!.tvl;
      if (prev > 0) out.push({ time: rows[i]!.time, published: rows[i]!.time + DAY_MS, value: rows[i]!.tvl / prev - 1 });
    }
    return out;
  },
  score: (v) => Math.tanh(v / 0.03),
  describe: (v) => `DeFi TVL ${signed(v * 100, 1, '%')} on the day`,
};

const COINGECKO_IDS: Record<string, string> = { BTC: 'bitcoin', ETH: 'ethereum', LTC: 'litecoin', SOL: 'solana', XRP: 'ripple', ADA: 'cardano', DOGE: 'dogecoin', BNB: 'binancecoin' };

/** CoinGecko's key goes in a header: the demo plan's `x-cg-demo-api-key`, the paid plan's own base URL. */
function geckoHeaders(key: string | undefined): Record<string, string> {
  return key ? { 'x-cg-demo-api-key': key } : {};
}

/** CoinGecko `/coins/{id}/market_chart/range`: `{ prices, market_caps, total_volumes: [[ms, usd]] }`; the value is the day's volume against the 7 days before. */
export const geckoVolume: SignalSource = {
  name: 'volume_surge',
  title: 'Traded volume against its last 7 days (CoinGecko)',
  unit: 'fraction (0.5 = half again the 7-day average)',
  perMarket: true,
  keyEnv: 'COINGECKO_API_KEY',
  keyRequired: false,
  urlEnv: 'VOLT_COINGECKO_URL',
  defaultBaseUrl: 'https://api.coingecko.com/api/v3',
  maxStaleMs: 3 * DAY_MS,
  // A daily point is the trailing 24 h volume at that moment.
  minLagMs: 0,
  // The range form answers the same shape as /market_chart, for a stated period (daily points past 90 days).
  request: ({ baseUrl, key, market, from, to }) => {
    const id = COINGECKO_IDS[market] ?? market.toLowerCase();
    return { url: `${baseUrl}/coins/${id}/market_chart/range?vs_currency=usd&from=${Math.floor(from / 1000)}&to=${Math.floor(to / 1000)}`, headers: geckoHeaders(key) };
  },
  parse(rec, market) {
    if (rec.market !== market) return [];
    const body = obj(rec.body, 'the answer');
    const rows = arr(body.total_volumes, 'total_volumes').map((row, i) => {
      const pair = arr(row, `total_volumes[${i}]`);
      return { time: num(pair[0], `total_volumes[${i}][0]`), volume: num(pair[1], `total_volumes[${i}][1]`) };
    });
    rows.sort((a, b) => a.time - b.time);
    const out: SignalPoint[] = [];
    let sum = 0;
    for (let i = 0; i < rows.length; i++) {
      if (i >= 7) {
        const mean = sum / 7;
        if (mean > 0) out.push({ time: rows[i]!.time, published: rows[i]!.time, value: rows[i]!.volume / mean - 1 });
        sum -= rows[i - 7]!.volume;
      }
      sum += rows[i]!.volume;
    }
    return out;
  },
  // Attention: a surge of volume is read as buyers arriving.
  score: (v) => Math.tanh(v / 0.5),
  describe: (v) => `volume ${signed(v * 100, 0, '%')} on its 7-day average`,
};

/** CoinGecko `/search/trending`: `{ coins: [{ item: { id, symbol, market_cap_rank, score } }] }`, a snapshot; the value is the asset's place (1 = top), 0 when absent. */
export const geckoTrending: SignalSource = {
  name: 'trending',
  title: 'Place among CoinGecko’s trending coins (snapshot)',
  unit: 'rank (1 = most searched; 0 = not trending)',
  perMarket: true,
  keyEnv: 'COINGECKO_API_KEY',
  keyRequired: false,
  urlEnv: 'VOLT_COINGECKO_URL',
  defaultBaseUrl: 'https://api.coingecko.com/api/v3',
  // Snapshots: one a week is still the freshest known.
  maxStaleMs: 8 * DAY_MS,
  minLagMs: 0,
  request: ({ baseUrl, key }) => ({ url: `${baseUrl}/search/trending`, headers: geckoHeaders(key) }),
  parse(rec, market) {
    const body = obj(rec.body, 'the answer');
    const coins = arr(body.coins, 'coins');
    let rank = 0;
    coins.forEach((c, i) => {
      const item = obj(obj(c, `coins[${i}]`).item, `coins[${i}].item`);
      if (rank === 0 && str(item.symbol, `coins[${i}].item.symbol`).toUpperCase() === market) rank = i + 1;
    });
    return [{ time: rec.fetchedAt, published: rec.fetchedAt, value: rank }];
  },
  score: (v) => (v > 0 ? 0.5 * (1 - (v - 1) / 15) : 0),
  describe: (v) => (v > 0 ? `trending #${v.toFixed(0)} on CoinGecko` : 'not trending'),
};

/** Etherscan's daily average gas price, `module=stats&action=dailyavggasprice`: `{ status: "1", message, result: [{ UTCDate, unixTimeStamp, gasPrice_Wei }] }`, in gwei. */
export const gasPrice: SignalSource = {
  name: 'gas_price',
  title: 'Ethereum average gas price of the day (Etherscan)',
  unit: 'gwei',
  perMarket: false,
  keyEnv: 'ETHERSCAN_API_KEY',
  keyRequired: true,
  urlEnv: 'VOLT_ETHERSCAN_URL',
  defaultBaseUrl: 'https://api.etherscan.io',
  maxStaleMs: 3 * DAY_MS,
  // A day's average is known once the day is over.
  minLagMs: DAY_MS,
  request: ({ baseUrl, key, from, to }) => ({
    url: `${baseUrl}/api?module=stats&action=dailyavggasprice&startdate=${isoDay(from)}&enddate=${isoDay(to)}&sort=asc&apikey=${key ?? ''}`,
    headers: {},
  }),
  parse(rec) {
    const body = obj(rec.body, 'the answer');
    if (body.status !== '1') throw new SignalShapeError('status', `Etherscan answered status ${String(body.status)}: ${typeof body.result === 'string' ? body.result : String(body.message)}`);
    return arr(body.result, 'result').map((row, i) => {
      const r = obj(row, `result[${i}]`);
      const time = num(r.unixTimeStamp, `result[${i}].unixTimeStamp`) * 1000;
      return { time, published: time + DAY_MS, value: num(r.gasPrice_Wei, `result[${i}].gasPrice_Wei`) / 1e9 };
    });
  },
  // A crowded chain (gas far above ~50 gwei) is read as froth: mildly against buying.
  score: (v) => -Math.tanh((v - 50) / 100) * 0.5,
  describe: (v) => `gas ${v.toFixed(0)} gwei`,
};

/** Whale Alert `/v1/transactions`: `{ result: "success", count, transactions: [{ symbol, timestamp, amount_usd, from: { owner_type }, to: { owner_type } }] }`; the value is the day's net USD moved onto exchanges, in millions. */
export const whaleTransfers: SignalSource = {
  name: 'whale_flow',
  title: 'Large transfers onto exchanges less those off them, per day (Whale Alert)',
  unit: 'million USD (positive: whales moving coins onto exchanges)',
  perMarket: true,
  keyEnv: 'WHALE_ALERT_API_KEY',
  keyRequired: true,
  urlEnv: 'VOLT_WHALE_ALERT_URL',
  defaultBaseUrl: 'https://api.whale-alert.io',
  maxStaleMs: 3 * DAY_MS,
  // Summed per UTC day: known once the day is over.
  minLagMs: DAY_MS,
  request: ({ baseUrl, key, market, from }) => ({
    url: `${baseUrl}/v1/transactions?api_key=${key ?? ''}&min_value=500000&start=${Math.floor(from / 1000)}&currency=${market.toLowerCase()}`,
    headers: {},
  }),
  parse(rec, market) {
    const body = obj(rec.body, 'the answer');
    if (body.result !== 'success') throw new SignalShapeError('result', `Whale Alert answered ${String(body.result)}: ${String(body.message ?? '')}`);
    const buckets = new Map<number, number>();
    arr(body.transactions ?? [], 'transactions').forEach((t, i) => {
      const tx = obj(t, `transactions[${i}]`);
      if (str(tx.symbol, `transactions[${i}].symbol`).toUpperCase() !== market) return;
      const day = dayStart(num(tx.timestamp, `transactions[${i}].timestamp`) * 1000);
      const usd = num(tx.amount_usd, `transactions[${i}].amount_usd`) / 1e6;
      const into = obj(tx.to, `transactions[${i}].to`).owner_type === 'exchange';
      const out = obj(tx.from, `transactions[${i}].from`).owner_type === 'exchange';
      buckets.set(day, (buckets.get(day) ?? 0) + (into && !out ? usd : out && !into ? -usd : 0));
    });
    return daily(buckets);
  },
  // Coins moved onto exchanges are coins someone may sell.
  score: (v) => -Math.tanh(v / 100),
  describe: (v) => `whales moved ${v >= 0 ? '' : '−'}$${Math.abs(v).toFixed(0)}M ${v >= 0 ? 'onto' : 'off'} exchanges`,
};

/** CryptoPanic `/api/v1/posts/`: `{ count, results: [{ published_at, votes: { positive, negative }, currencies: [{ code }] }] }`; the value is the day's (positive − negative) / (positive + negative). */
export const newsSentiment: SignalSource = {
  name: 'sentiment',
  title: 'News and social sentiment, per day (CryptoPanic votes)',
  unit: '−1 (all negative votes) to +1 (all positive)',
  perMarket: true,
  keyEnv: 'CRYPTOPANIC_API_KEY',
  keyRequired: true,
  urlEnv: 'VOLT_CRYPTOPANIC_URL',
  defaultBaseUrl: 'https://cryptopanic.com',
  maxStaleMs: 3 * DAY_MS,
  minLagMs: DAY_MS,
  request: ({ baseUrl, key, market }) => ({ url: `${baseUrl}/api/v1/posts/?auth_token=${key ?? ''}&currencies=${market}&public=true`, headers: {} }),
  parse(rec, market) {
    const body = obj(rec.body, 'the answer');
    const pos = new Map<number, number>();
    const neg = new Map<number, number>();
    arr(body.results, 'results').forEach((p, i) => {
      const post = obj(p, `results[${i}]`);
      const codes = arr(post.currencies ?? [], `results[${i}].currencies`).map((c, j) => str(obj(c, `results[${i}].currencies[${j}]`).code, `results[${i}].currencies[${j}].code`).toUpperCase());
      if (!codes.includes(market)) return;
      const at = Date.parse(str(post.published_at, `results[${i}].published_at`));
      if (!Number.isFinite(at)) throw new SignalShapeError(`results[${i}].published_at`, `expected a date at results[${i}].published_at`);
      const votes = obj(post.votes, `results[${i}].votes`);
      const day = dayStart(at);
      pos.set(day, (pos.get(day) ?? 0) + num(votes.positive, `results[${i}].votes.positive`));
      neg.set(day, (neg.get(day) ?? 0) + num(votes.negative, `results[${i}].votes.negative`));
    });
    const net = new Map<number, number>();
    for (const [day, p] of pos) {
      const n = neg.get(day) ?? 0;
      net.set(day, p + n > 0 ? (p - n) / (p + n) : 0);
    }
    return daily(net);
  },
  score: (v) => clamp(v),
  describe: (v) => `news sentiment ${signed(v, 2)}`,
};

function clamp(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/** Every source Volt knows, in the order `volt signals list` shows them. */
export const SIGNAL_SOURCES: readonly SignalSource[] = [fearGreed, defiTvl, geckoVolume, geckoTrending, gasPrice, whaleTransfers, newsSentiment];

export const SIGNAL_NAMES: readonly string[] = SIGNAL_SOURCES.map((s) => s.name);

export function signalSource(name: string): SignalSource | undefined {
  return SIGNAL_SOURCES.find((s) => s.name === name);
}

/** BTC from 'BTC/USD', 'BTCUSD', 'ETH_BTC', 'btc-usdt'. */
export function baseAsset(symbol: string): string {
  const s = symbol.toUpperCase();
  const split = /^([A-Z0-9]+)[/_:-]/.exec(s);
  if (split) return split[1]!;
  for (const quote of ['USDT', 'USDC', 'USD', 'EUR', 'BTC', 'ETH']) if (s.length > quote.length && s.endsWith(quote)) return s.slice(0, -quote.length);
  return s;
}

export type { SignalRecording };
