import {
  impliedVolatility,
  priceAmerican,
  priceOption,
  type OptionGreeks,
  type OptionInput,
  type OptionRight,
  type PricingModel,
} from '@volt/engine';
import { EXIT, UsageError, numberOption, parseCommandArgs } from '../usage.js';

export const summary = 'price an option with every greek, solve its implied volatility, or analyse a position of several legs';

const USAGE = `usage: volt options <price|iv|position> [options]

  volt options price --spot S --strike K (--years T | --days D) --vol V [--rate R] [--dividend-yield Q]
                     [--right call|put] [--model bsm|black76] [--american [--steps N]] [--json]
      The option's value and every greek with its unit (theta per year and per day, vega per 1.00
      and per vol point, rho per 1.00 and per point). Both rights unless --right is given.
      --model black76 reads --spot as the futures price. --american prices on a Leisen–Reimer
      tree (default 201 steps). Rates, yields and vols are fractions: --vol 0.2 is 20%.

  volt options iv --price P --right call|put --spot S --strike K (--years T | --days D) [--rate R]
                  [--dividend-yield Q] [--model bsm|black76] [--json]
      The implied volatility of a European option's price, or why there is none (below intrinsic,
      no time value, above the no-arbitrage maximum, expired): exit 1 then.`;

const PRICE_USAGE = USAGE.split('\n\n')[1]!;
const IV_USAGE = USAGE.split('\n\n')[2]!;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (sub === 'price') return price(rest);
  if (sub === 'iv') return iv(rest);
  throw new UsageError(sub === undefined ? `missing subcommand\n\n${USAGE}` : `unknown subcommand '${sub}'\n\n${USAGE}`);
}

const MARKET_OPTIONS = {
  spot: { type: 'string' },
  strike: { type: 'string' },
  years: { type: 'string' },
  days: { type: 'string' },
  rate: { type: 'string' },
  'dividend-yield': { type: 'string' },
  model: { type: 'string' },
  right: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type MarketValues = { [K in keyof typeof MARKET_OPTIONS]?: (typeof MARKET_OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function required(name: string, raw: string | undefined, usage: string): number {
  const n = numberOption(name, raw);
  if (n === undefined) throw new UsageError(`--${name} is required\n\n${usage}`);
  return n;
}

function modelOf(raw: string | undefined): PricingModel {
  if (raw === undefined || raw === 'bsm' || raw === 'black76') return raw ?? 'bsm';
  throw new UsageError(`--model expects bsm or black76, got '${raw}'`);
}

function rightsOf(raw: string | undefined, usage: string, needOne: boolean): OptionRight[] {
  if (raw === 'call' || raw === 'put') return [raw];
  if (raw === undefined && !needOne) return ['call', 'put'];
  throw new UsageError(raw === undefined ? `--right call|put is required\n\n${usage}` : `--right expects call or put, got '${raw}'`);
}

/** The option without its right and vol, from the flags every subcommand shares. */
function marketOf(values: MarketValues, usage: string): Omit<OptionInput, 'right' | 'vol'> {
  const years = numberOption('years', values.years);
  const days = numberOption('days', values.days);
  if ((years === undefined) === (days === undefined)) throw new UsageError(`give the time to expiry as --years or --days (one of them)\n\n${usage}`);
  return {
    spot: required('spot', values.spot, usage),
    strike: required('strike', values.strike, usage),
    years: years ?? days! / 365,
    rate: numberOption('rate', values.rate) ?? 0,
    dividendYield: numberOption('dividend-yield', values['dividend-yield']) ?? 0,
    model: modelOf(values.model),
  };
}

const UNITS: Record<keyof OptionGreeks, string> = {
  price: 'per unit of underlying',
  delta: 'per 1.00 move of the underlying',
  gamma: 'delta per 1.00 move of the underlying',
  theta: 'per year',
  thetaPerDay: 'per calendar day',
  vega: 'per 1.00 of volatility',
  vegaPerPoint: 'per vol point (0.01)',
  rho: 'per 1.00 of rate',
  rhoPerPoint: 'per rate point (0.01)',
};

function withUnits(g: OptionGreeks): Record<string, { value: number; unit: string }> {
  const out: Record<string, { value: number; unit: string }> = {};
  for (const key of Object.keys(UNITS) as (keyof OptionGreeks)[]) out[key] = { value: g[key], unit: UNITS[key] };
  return out;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const num = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x));

async function price(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({
    args: argv,
    allowPositionals: false,
    options: { ...MARKET_OPTIONS, vol: { type: 'string' }, american: { type: 'boolean', default: false }, steps: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(PRICE_USAGE + '\n');
    return EXIT.ok;
  }
  const market = marketOf(values, PRICE_USAGE);
  const vol = required('vol', values.vol, PRICE_USAGE);
  const steps = numberOption('steps', values.steps);
  if (steps !== undefined && !values.american) throw new UsageError('--steps is for --american (the tree); a European option is priced in closed form');
  const style = values.american ? 'american' : 'european';
  const results = rightsOf(values.right, PRICE_USAGE, false).map((right) => {
    const o: OptionInput = { ...market, right, vol };
    if (!values.american) return { right, greeks: priceOption(o) as OptionGreeks, earlyExercisePremium: undefined, steps: undefined };
    const a = priceAmerican(o, steps);
    const { earlyExercisePremium, steps: used, ...greeks } = a;
    return { right, greeks: greeks as OptionGreeks, earlyExercisePremium, steps: used };
  });

  if (values.json) {
    const doc: Record<string, unknown> = {
      schemaVersion: 1,
      model: market.model,
      style,
      inputs: { spot: market.spot, strike: market.strike, years: market.years, rate: market.rate, dividendYield: market.dividendYield, vol },
    };
    for (const r of results) {
      doc[r.right] = {
        ...withUnits(r.greeks),
        ...(r.earlyExercisePremium === undefined ? {} : { earlyExercisePremium: { value: r.earlyExercisePremium, unit: 'per unit of underlying, tree price − European price' }, treeSteps: r.steps }),
      };
    }
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return EXIT.ok;
  }
  const lines = [
    `${market.model === 'black76' ? 'Black-76, futures' : 'Black–Scholes–Merton, spot'} ${num(market.spot)}, strike ${num(market.strike)}, ${num(market.years)} years, rate ${pct(market.rate)}, ` +
      `${market.model === 'bsm' ? `dividend yield ${pct(market.dividendYield ?? 0)}, ` : ''}vol ${pct(vol)}${values.american ? `; American, Leisen–Reimer tree of ${results[0]!.steps} steps` : '; European'}`,
  ];
  for (const r of results) {
    lines.push('', r.right);
    for (const key of Object.keys(UNITS) as (keyof OptionGreeks)[]) lines.push(`  ${key.padEnd(13)} ${num(r.greeks[key]).padStart(14)}  ${UNITS[key]}`);
    if (r.earlyExercisePremium !== undefined) lines.push(`  ${'early exercise'.padEnd(13)} ${num(r.earlyExercisePremium).padStart(14)}  premium over the European price`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.ok;
}

async function iv(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({ args: argv, allowPositionals: false, options: { ...MARKET_OPTIONS, price: { type: 'string' } } });
  if (values.help) {
    process.stdout.write(IV_USAGE + '\n');
    return EXIT.ok;
  }
  const market = marketOf(values, IV_USAGE);
  const [right] = rightsOf(values.right, IV_USAGE, true);
  const quoted = required('price', values.price, IV_USAGE);
  const r = impliedVolatility({ ...market, right: right!, price: quoted });
  if (values.json) {
    const doc = r.ok
      ? { schemaVersion: 1, ok: true, vol: { value: r.vol, unit: 'per √year, as a fraction' }, volPoints: { value: r.vol * 100, unit: 'vol points (%)' }, iterations: r.iterations }
      : { schemaVersion: 1, ok: false, reason: r.reason, message: r.message, intrinsic: r.intrinsic, maximum: r.maximum };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return r.ok ? EXIT.ok : EXIT.error;
  }
  if (!r.ok) {
    process.stderr.write(`volt options iv: no implied volatility: ${r.message} (${r.reason})\n  fix: check the quote; a European ${right} here is worth between ${num(r.intrinsic)} and ${num(r.maximum)}\n`);
    return EXIT.error;
  }
  process.stdout.write(`implied volatility ${pct(r.vol)} (${num(r.vol)} per √year), ${r.iterations} iterations\n`);
  return EXIT.ok;
}
