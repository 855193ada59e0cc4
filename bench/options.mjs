// Options pricing throughput: price + delta, gamma, theta, vega and rho for 1,000,000 European
// options through Volt's batch path (typed arrays in, typed arrays out), against the npm `greeks`
// package (with its `black-scholes` dependency for the price) on the same options in the same run.
// The peer has no dividend yield, so q = 0 here. Values are compared option by option after
// converting the peer's units (theta per day → per year, vega and rho per point → per 1.00).
import { createRequire } from 'node:module';
import { GreeksBatch, OptionBatch, priceBatch } from '../packages/engine/dist/options/index.js';

const require = createRequire(import.meta.url);
const greeks = require('greeks');
const bs = require('black-scholes');
const peerVersion = `greeks ${require('greeks/package.json').version} + black-scholes ${require('black-scholes/package.json').version}`;

const OPTIONS = 1_000_000;
/** The peer is ~two orders of magnitude slower; it prices this many and its rate is per option. */
const PEER_OPTIONS = 100_000;
const SEED = 20260117;
const RUNS = 3;

function uniformStream(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A spread of listed-looking options: strikes 50–150 on a 100 spot, a week to two years, 10–80% vol. */
function book(n, seed) {
  const u = uniformStream(seed);
  const b = new OptionBatch(n);
  for (let i = 0; i < n; i++) {
    b.call[i] = i & 1 ? 0 : 1;
    b.spot[i] = 100;
    b.strike[i] = 50 + 100 * u();
    b.years[i] = 7 / 365 + 2 * u();
    b.rate[i] = 0.08 * u();
    b.vol[i] = 0.1 + 0.7 * u();
  }
  return b;
}

let sink = 0;
function best(fn, runs = RUNS) {
  sink += fn();
  let fastest = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    sink += fn();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return fastest;
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

export async function run() {
  const input = book(OPTIONS, SEED);
  const out = new GreeksBatch(OPTIONS);
  const voltSeconds = best(() => {
    priceBatch(input, out);
    return out.price[OPTIONS - 1];
  });

  const peer = {
    price: new Float64Array(PEER_OPTIONS),
    delta: new Float64Array(PEER_OPTIONS),
    gamma: new Float64Array(PEER_OPTIONS),
    theta: new Float64Array(PEER_OPTIONS),
    vega: new Float64Array(PEER_OPTIONS),
    rho: new Float64Array(PEER_OPTIONS),
  };
  const peerSeconds = best(() => {
    for (let i = 0; i < PEER_OPTIONS; i++) {
      const s = input.spot[i], k = input.strike[i], t = input.years[i], v = input.vol[i], r = input.rate[i];
      const right = input.call[i] === 1 ? 'call' : 'put';
      peer.price[i] = bs.blackScholes(s, k, t, v, r, right);
      peer.delta[i] = greeks.getDelta(s, k, t, v, r, right);
      peer.gamma[i] = greeks.getGamma(s, k, t, v, r);
      peer.theta[i] = greeks.getTheta(s, k, t, v, r, right);
      peer.vega[i] = greeks.getVega(s, k, t, v, r);
      peer.rho[i] = greeks.getRho(s, k, t, v, r, right);
    }
    return peer.price[PEER_OPTIONS - 1];
  }, 1);

  // Same values: theta per day × 365, vega and rho per point × 100.
  const scale = { price: 1, delta: 1, gamma: 1, theta: 365, vega: 100, rho: 100 };
  let worst = 0;
  let worstField = '';
  for (const field of Object.keys(scale)) {
    for (let i = 0; i < PEER_OPTIONS; i++) {
      const diff = Math.abs(out[field][i] - peer[field][i] * scale[field]);
      if (diff > worst) {
        worst = diff;
        worstField = field;
      }
    }
  }

  const voltRate = OPTIONS / voltSeconds;
  const peerRate = PEER_OPTIONS / peerSeconds;
  const lines = [
    `${OPTIONS.toLocaleString('en-US')} European options (half calls, strikes 50–150 on spot 100, 1 week–2 years, vol 10–80%), seed ${SEED}; best of ${RUNS} runs after a warm-up; Node ${process.version}`,
    `peer: ${peerVersion}, one function per greek as its README shows, on the first ${PEER_OPTIONS.toLocaleString('en-US')} options`,
    '',
    `volt priceBatch, price + 5 greeks: ${fmt(voltRate)} options/s (${(voltSeconds * 1000).toFixed(0)} ms for ${OPTIONS.toLocaleString('en-US')})`,
    `peer, price + 5 greeks:           ${fmt(peerRate)} options/s`,
    `ratio: ${(voltRate / peerRate).toFixed(1)}×`,
    `largest difference over ${PEER_OPTIONS.toLocaleString('en-US')} options × 6 values: ${worst.toExponential(2)} (${worstField}) ${worst <= 1e-9 ? '— equal to 1e-9' : '— NOT equal to 1e-9'}`,
  ];
  if (!Number.isFinite(sink)) lines.push('(checksum not finite)');
  return lines;
}
