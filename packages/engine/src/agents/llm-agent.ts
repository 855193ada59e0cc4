import { hash } from 'node:crypto';
import { OllamaGateway, cachedAnswerText, llmPromptHash, type JsonSchema, type StructuredRequest } from '../llm/index.js';
import { SIGNAL_NAMES, describeSignals } from '../signals/index.js';
import { MASKED_ASSET, maskText } from './hindsight.js';
import { type Agent, type AgentRole, type Assessment, type AsyncAgent, type MarketContext, type Proposal, type TradeDecision } from './types.js';

/** What an LLM agent must answer: the Agent interface's shape, as a JSON schema. */
export const ASSESSMENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['decision', 'confidence', 'reasoning'],
  properties: {
    decision: { type: 'string', enum: ['BUY', 'SELL', 'HOLD'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string', maxLength: 600 },
    modifications: {
      type: 'object',
      properties: {
        pct: { type: 'number', minimum: 0, maximum: 1, description: 'smaller position size, fraction of equity' },
        stopPrice: { type: 'number', minimum: 0, description: 'tighter stop price, in the prices of the prompt' },
        takeProfitPrice: { type: 'number', minimum: 0, description: 'in the prices of the prompt' },
      },
    },
  },
};

const ROLE_BRIEF: Record<AgentRole, string> = {
  volatility: 'You are the volatility assessor. Judge whether the volatility regime (VIX, realized volatility) allows this trade and how tight its stop must be.',
  hedge: 'You are the hedge and risk optimizer. Judge reward against risk, the stop and the size; propose a smaller size or tighter stop when warranted.',
  trend: 'You are the trend analyzer. Judge whether momentum and moving averages support the direction of this trade.',
  market: 'You are the market analyst. Judge the market regime and recent moves: is this a good moment for this trade?',
  execution: 'You are the execution agent. Judge whether a market order at the next open can fill well given the signal bar.',
  auditor: 'You are the auditor. Check the proposal is coherent (size, stop side, confidence) and flag anything that does not add up.',
};

/**
 * An Ollama model sitting in one seat of the panel. Its answer must fit ASSESSMENT_SCHEMA; when the
 * model cannot answer (not running, no such model, too slow, nonsense twice) the seat's rule-based
 * agent answers instead and the reasoning says so. A risk gate follows either way.
 */
export class LlmAgent implements AsyncAgent {
  readonly kind = 'llm' as const;
  readonly role: AgentRole;
  readonly model: string;
  readonly gateway: OllamaGateway;
  readonly fallback: Agent;
  readonly system: string;
  private readonly timeoutMs: number | undefined;
  /** Hash of this seat's system prompt and schema: part of every cache key it makes. */
  readonly keyPrefix: string;
  readonly prompts: PromptMemo;

  /** `prompts` may be shared by the seats of one panel, so a proposal is written and hashed once. */
  constructor(role: AgentRole, model: string, gateway: OllamaGateway, fallback: Agent, timeoutMs?: number, prompts: PromptMemo = new PromptMemo()) {
    this.role = role;
    this.model = model;
    this.gateway = gateway;
    this.fallback = fallback;
    this.timeoutMs = timeoutMs;
    this.prompts = prompts;
    this.system = `${ROLE_BRIEF[role]} You sit on a trading panel whose votes are weighed; a deterministic risk gate has the last word.${
      prompts.mask ? ' The asset and the dates are withheld on purpose: judge from the numbers given, not from what you may know of any market\'s history.' : ''
    } Answer with JSON only.`;
    this.keyPrefix = llmPromptHash(JSON.stringify([this.system, ASSESSMENT_SCHEMA])).slice(0, 16);
  }

  /** The cache key of this seat's question about a proposal. */
  keyFor(p: Readonly<Proposal>, c: Readonly<MarketContext>): string {
    return this.keyPrefix + this.prompts.key(p, c);
  }

  /** The exact request for a proposal: deterministic, so its cache key is too. */
  request(p: Readonly<Proposal>, c: Readonly<MarketContext>): StructuredRequest {
    return {
      model: this.model,
      system: this.system,
      prompt: this.prompts.prompt(p, c),
      schema: ASSESSMENT_SCHEMA,
      cacheKey: this.keyPrefix + this.prompts.key(p, c),
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
    };
  }

  async assess(p: Readonly<Proposal>, c: Readonly<MarketContext>, signal?: AbortSignal): Promise<Assessment> {
    const req = this.request(p, c);
    const outcome = await this.gateway.structured<Assessment>(signal ? { ...req, signal } : req);
    if (outcome.ok) return fromAnswer(outcome.value, this.prompts.priceScale(p));
    return this.fallbackAnswer(p, c, outcome.failure);
  }

  /**
   * A model's answer in the proposal's own prices: a masked prompt shows prices indexed to the
   * signal bar's close (100), so a stop or target it names is scaled back. The cached value is
   * shared and stays as the model gave it.
   */
  inOwnPrices(answer: Assessment, p: Readonly<Proposal>): Assessment {
    const m = answer.modifications;
    if (!this.prompts.mask || m === undefined || (m.stopPrice === undefined && m.takeProfitPrice === undefined)) return answer;
    return fromAnswer(answer, this.prompts.priceScale(p));
  }

  /** The rule agent's answer, marked as such. */
  fallbackAnswer(p: Readonly<Proposal>, c: Readonly<MarketContext>, failure: string): Assessment {
    const a = this.fallback.assess(p, c);
    return { decision: a.decision, confidence: a.confidence, reasoning: `rules (LLM ${failure}): ${a.reasoning}`, ...(a.modifications ? { modifications: { ...a.modifications } } : {}) };
  }

  /** A synchronous seat for the backtest bar loop: cached answers only; see ReplaySeat. */
  replaySeat(): ReplaySeat {
    return new ReplaySeat(this);
  }
}

/**
 * A run's token budget (`agents.llm.tokenBudget`), shared by its LLM seats. Counted per proposal,
 * in the order the run meets them: once the answers used so far cost the budget (Ollama's
 * prompt_eval_count + eval_count, cached answers at what they cost when recorded), every later
 * proposal is answered by the rule agents. A proposal is admitted or not as a whole, at its first
 * seat, so its seats never split between a model and the rules for the budget's sake.
 */
export class TokenBudget {
  /** Infinity: no budget. */
  readonly budget: number;
  /** Tokens the answers this pass used cost. */
  used = 0;
  /** Proposals the budget sent to the rule agents in this pass. */
  refused = 0;
  /** Proposals met so far in this pass (misses are fetched in this order). */
  met = 0;
  private bar = -1;
  private time = Number.NaN;
  private open = true;

  constructor(budget: number | undefined) {
    this.budget = budget !== undefined && budget > 0 ? budget : Number.POSITIVE_INFINITY;
  }

  /** Whether the LLM seats may answer this proposal. */
  admits(p: Readonly<Proposal>): boolean {
    if (p.bar !== this.bar || p.time !== this.time) {
      this.bar = p.bar;
      this.time = p.time;
      this.met++;
      this.open = this.used < this.budget;
      if (!this.open) this.refused++;
    }
    return this.open;
  }

  spend(tokens: number): void {
    this.used += tokens;
  }

  /** A new pass counts afresh. */
  reset(): void {
    this.used = 0;
    this.refused = 0;
    this.met = 0;
    this.bar = -1;
    this.time = Number.NaN;
    this.open = true;
  }
}

/** A question the cache could not answer: the request, and where the budget stood when it was met. */
export interface SeatMiss {
  request: StructuredRequest;
  /** Tokens the run had used before this proposal. */
  usedBefore: number;
  /** The proposal's place in the run (TokenBudget.met). */
  order: number;
}

/**
 * An LLM seat inside a synchronous backtest. It answers from the cache; on a miss it lets the rule
 * agent answer for now and remembers the request. `backtestWithAgents` then asks the model for every
 * miss and runs the backtest again, until a run needs nothing new — so the run that counts is made
 * entirely of the model's (cached) answers, and a re-run asks no model at all. Past the run's token
 * budget the rule agent answers and nothing is asked.
 */
export class ReplaySeat implements Agent {
  readonly kind = 'llm' as const;
  readonly role: AgentRole;
  readonly agent: LlmAgent;
  /** Requests the cache could not answer, by cache key. */
  readonly misses = new Map<string, SeatMiss>();
  /** Requests the model cannot answer this session (unreachable, timeout): rules answer, no retry. */
  readonly givenUp: Set<string>;
  answeredByModel = 0;
  answeredByRules = 0;

  private readonly together: PanelAnswers | undefined;
  private readonly budget: TokenBudget;

  constructor(agent: LlmAgent, givenUp: Set<string> = new Set(), together?: PanelAnswers, budget: TokenBudget = new TokenBudget(undefined)) {
    this.agent = agent;
    this.role = agent.role;
    this.givenUp = givenUp;
    this.together = together;
    this.budget = budget;
  }

  assess(p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    const agent = this.agent;
    const budget = this.budget;
    if (!budget.admits(p)) {
      this.answeredByRules++;
      this.together?.spoil();
      return agent.fallbackAnswer(p, c, 'token budget spent');
    }
    const together = this.together?.lookup(p, c, this.role);
    if (together !== undefined) {
      this.answeredByModel++;
      return agent.inOwnPrices(together, p);
    }
    const key = agent.keyFor(p, c);
    const hit = agent.gateway.cachedByKey<Assessment>(agent.model, key);
    if (hit !== undefined) budget.spend(hit.tokens ?? 0);
    if (hit?.ok) {
      this.answeredByModel++;
      this.together?.served(this.role, hit.value, hit.tokens);
      // Shared with the gateway's memo: the panel only reads it.
      return agent.inOwnPrices(hit.value, p);
    }
    this.answeredByRules++;
    this.together?.spoil();
    const givenUp = this.givenUp.has(key);
    if (hit === undefined && !givenUp) this.misses.set(key, { request: agent.request(p, c), usedBefore: budget.used, order: budget.met });
    return agent.fallbackAnswer(p, c, hit && !hit.ok ? hit.failure : givenUp ? 'unavailable' : 'pending');
  }
}

/**
 * Every LLM seat's answer to one proposal, cached together under the panel's name as well as
 * seat by seat: a re-run reads one cache row per proposal instead of one per seat. Written by
 * `saveTo` after a run whose seats all answered from the models.
 */
export class PanelAnswers {
  /** The cache's "model" for these rows: the seats, their models and prompts, hashed. */
  readonly model: string;
  private readonly gateway: OllamaGateway;
  private readonly prompts: PromptMemo;
  private readonly seats: number;
  private key = '';
  private answers: Partial<Record<AgentRole, Assessment>> | null = null;
  private collecting: Partial<Record<AgentRole, Assessment>> = {};
  private collected = 0;
  private collectedTokens = 0;
  private readonly complete = new Map<string, { answers: Partial<Record<AgentRole, Assessment>>; tokens: number }>();
  private readonly budget: TokenBudget | undefined;

  /** `budget` is charged a row's cost (all its seats' answers) when the row is read. */
  constructor(agents: readonly LlmAgent[], gateway: OllamaGateway, prompts: PromptMemo, budget?: TokenBudget) {
    this.budget = budget;
    this.model = `volt-panel:${llmPromptHash(JSON.stringify(agents.map((a) => [a.role, a.model, a.keyPrefix]))).slice(0, 16)}`;
    this.gateway = gateway;
    this.prompts = prompts;
    this.seats = agents.length;
  }

  lookup(p: Readonly<Proposal>, c: Readonly<MarketContext>, role: AgentRole): Assessment | undefined {
    const key = this.prompts.key(p, c);
    if (key !== this.key) {
      this.key = key;
      // Read once per proposal per run: not worth keeping parsed.
      const hit = this.gateway.cachedByKey<Partial<Record<AgentRole, Assessment>>>(this.model, key, false);
      this.answers = hit?.ok ? hit.value : null;
      if (hit?.ok) this.budget?.spend(hit.tokens);
      this.collecting = {};
      this.collected = 0;
      this.collectedTokens = 0;
    }
    return this.answers?.[role];
  }

  served(role: AgentRole, answer: Assessment, tokens: number): void {
    if (this.answers !== null || this.collected < 0) return;
    this.collecting[role] = answer;
    this.collectedTokens += tokens;
    if (++this.collected === this.seats) this.complete.set(this.key, { answers: this.collecting, tokens: this.collectedTokens });
  }

  /** A seat had to fall back: this proposal's answers are not all the models'. */
  spoil(): void {
    this.collected = -1;
  }

  /** Store the proposals every seat answered from the models, one row each. */
  saveTo(cache: { putCachedLlm(model: string, key: string, response: string): void }): number {
    for (const [key, row] of this.complete) cache.putCachedLlm(this.model, key, cachedAnswerText(row.answers, row.tokens));
    const n = this.complete.size;
    this.complete.clear();
    return n;
  }
}

/**
 * Bumped whenever proposalPrompt's wording changes, so old cached answers stop matching. 2: the
 * outside signals, and masking (the asset, dates and price level withheld by default).
 */
export const PROMPT_VERSION = 2;

/** Numbers the prompt is written from: 16 about the proposal and market, then the signals and their score. */
const NUMBERS = 16 + SIGNAL_NAMES.length + 1;

export interface PromptOptions {
  /**
   * Withhold the asset's name, the dates and the price level (default true; `agents.llm.mask` in
   * volt.config.json): "asset A", the signal at "bar t", prices indexed to its close = 100.
   */
  mask?: boolean;
}

/**
 * The prompt's identity for the proposal at hand, shared by the seats of one panel. The cache key is
 * a hash of everything the prompt is written from (the template version, whether it is masked, the
 * proposal, the market facts, the outside signals), so a cached answer is found without writing the
 * prompt out; the text is only written when a model has to be asked.
 */
export class PromptMemo {
  readonly mask: boolean;
  /** The prompt's inputs as bytes: the doubles, then the strings (grown if a reason is long). */
  private input = Buffer.alloc(1024);
  private readonly numbers = new Float64Array(NUMBERS);
  private readonly numberBytes = new Uint8Array(this.numbers.buffer);
  private readonly signals = new Float64Array(SIGNAL_NAMES.length + 1).fill(Number.NaN);
  private bar = -1;
  private side = '';
  private pct = Number.NaN;
  private stop = Number.NaN;
  private target = Number.NaN;
  private confidence = Number.NaN;
  private reason = '';
  private regime = '';
  private digest = '';
  private text: string | null = null;

  constructor(options: PromptOptions = {}) {
    this.mask = options.mask ?? true;
  }

  /** Masked prompts show prices × this (the signal bar's close becomes 100); 1 unmasked. */
  priceScale(p: Readonly<Proposal>): number {
    return this.mask && p.price > 0 ? 100 / p.price : 1;
  }

  /** The cache key part for this proposal (a sha256 of the prompt's inputs). */
  key(p: Readonly<Proposal>, c: Readonly<MarketContext>): string {
    if (
      p.bar !== this.bar ||
      p.side !== this.side ||
      !same(p.pct, this.pct) ||
      !same(p.stopPrice, this.stop) ||
      !same(p.takeProfitPrice, this.target) ||
      !same(p.confidence, this.confidence) ||
      p.reason !== this.reason ||
      c.regime !== this.regime ||
      !sameSignals(this.signals, c)
    ) {
      const n = this.numbers;
      n[0] = PROMPT_VERSION;
      n[1] = p.price;
      n[2] = p.time;
      n[3] = p.pct;
      n[4] = p.stopPrice;
      n[5] = p.takeProfitPrice;
      n[6] = p.confidence;
      n[7] = c.threshold;
      n[8] = c.vix;
      n[9] = c.realizedVol;
      n[10] = c.volPercentile;
      n[11] = c.momentum;
      n[12] = c.trendSpread;
      n[13] = c.lastReturn;
      n[14] = c.barRange;
      // Not the bar index (the same bar in a series cut with --from has another index, and the same prompt): the mask.
      n[15] = this.mask ? 1 : 0;
      for (let k = 0; k < SIGNAL_NAMES.length; k++) n[16 + k] = this.signals[k] = c.signals[k]!;
      n[16 + SIGNAL_NAMES.length] = this.signals[SIGNAL_NAMES.length] = c.outsideScore;
      const words = `${p.side}\u0000${p.symbol}\u0000${c.regime}\u0000${p.reason}`;
      const at = this.numberBytes.length;
      const need = at + Buffer.byteLength(words);
      if (need > this.input.length) this.input = Buffer.alloc(need * 2);
      this.input.set(this.numberBytes, 0);
      this.input.write(words, at);
      this.digest = hash('sha256', this.input.subarray(0, need), 'base64url');
      this.bar = p.bar;
      this.side = p.side;
      this.pct = p.pct;
      this.stop = p.stopPrice;
      this.target = p.takeProfitPrice;
      this.confidence = p.confidence;
      this.reason = p.reason;
      this.regime = c.regime;
      this.text = null;
    }
    return this.digest;
  }

  /** The prompt text for the proposal last keyed. */
  prompt(p: Readonly<Proposal>, c: Readonly<MarketContext>): string {
    this.key(p, c);
    this.text ??= proposalPrompt(p, c, { mask: this.mask });
    return this.text;
  }
}

/** The outside signals and their score are those the memo last keyed (NaN equal to NaN). */
function sameSignals(seen: Float64Array, c: Readonly<MarketContext>): boolean {
  const n = SIGNAL_NAMES.length;
  for (let k = 0; k < n; k++) if (!same(seen[k]!, c.signals[k]!)) return false;
  return same(seen[n]!, c.outsideScore);
}

function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** A model's answer copied field by field; stop and target divided by `priceScale` (the prompt's prices → the proposal's). */
function fromAnswer(v: Assessment, priceScale = 1): Assessment {
  const out: Assessment = { decision: v.decision as TradeDecision, confidence: v.confidence, reasoning: v.reasoning };
  if (v.modifications) {
    const m: NonNullable<Assessment['modifications']> = {};
    if (typeof v.modifications.pct === 'number') m.pct = v.modifications.pct;
    if (typeof v.modifications.stopPrice === 'number') m.stopPrice = v.modifications.stopPrice / priceScale;
    if (typeof v.modifications.takeProfitPrice === 'number') m.takeProfitPrice = v.modifications.takeProfitPrice / priceScale;
    out.modifications = m;
  }
  return out;
}

function num(x: number, digits = 6): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : 'none';
}

/**
 * The proposal and market facts in plain lines. No wall clock and no account state (equity,
 * drawdown): the prompt for a bar's signal is the same on every path a backtest can take, so an
 * answer fetched in one replay pass serves all later ones, and the passes converge.
 *
 * Masked (the default), it names no asset, no date and no price level: "asset A", the signal bar
 * is "bar t", prices are indexed to its close (= 100), and the strategy's reason loses any symbol,
 * date or year it held. What stays is what the seats judge: distances, returns, volatility, the
 * regime, the VIX level and the outside signals.
 */
export function proposalPrompt(p: Readonly<Proposal>, c: Readonly<MarketContext>, options: PromptOptions = {}): string {
  const mask = options.mask ?? true;
  const scale = mask && p.price > 0 ? 100 / p.price : 1;
  const price = (x: number): string => num(x * scale);
  const reason = mask ? maskText(p.reason, p.symbol) : p.reason;
  const outside = describeSignals(c.signals);
  return [
    mask
      ? `Proposal from the strategy at the close of bar t: ${p.side} ${MASKED_ASSET} at ${price(p.price)} (prices are indexed: that close = 100), size ${num(p.pct * 100, 4)}% of equity,`
      : `Proposal from the strategy: ${p.side} ${p.symbol} at ${num(p.price)} (${new Date(p.time).toISOString()}), size ${num(p.pct * 100, 4)}% of equity,`,
    `stop ${price(p.stopPrice)}, take-profit ${price(p.takeProfitPrice)}, strategy confidence ${num(p.confidence, 3)}, reason: ${reason || 'none given'}.`,
    `Market: regime ${c.regime} (the panel needs ${num(c.threshold, 3)} weighted confidence), VIX ${num(c.vix, 4)},`,
    `realized volatility per bar ${num(c.realizedVol, 4)} (percentile ${num(c.volPercentile, 3)}), momentum ${num(c.momentum * 100, 4)}%,`,
    `fast/slow average spread ${num(c.trendSpread * 100, 4)}%, last bar return ${num(c.lastReturn * 100, 4)}%, bar range ${num(c.barRange * 100, 4)}%.`,
    outside === ''
      ? 'Outside signals: none published before this close.'
      : `Outside signals published before this close: ${outside}; their joint score ${num(c.outsideScore, 3)} (-1 against buying, +1 for).`,
    `Answer {"decision":"BUY"|"SELL"|"HOLD","confidence":0..1,"reasoning":"…","modifications":{"pct"?,"stopPrice"?,"takeProfitPrice"?}}${mask ? ', prices in the indexed units above' : ''}.`,
  ].join('\n');
}
