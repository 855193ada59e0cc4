import { OllamaGateway, llmPromptHash, type JsonSchema, type StructuredRequest } from '../llm/index.js';
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
        stopPrice: { type: 'number', minimum: 0, description: 'tighter stop price' },
        takeProfitPrice: { type: 'number', minimum: 0 },
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
  private readonly keyPrefix: string;
  private readonly prompts: PromptMemo;

  /** `prompts` may be shared by the seats of one panel, so a proposal is written and hashed once. */
  constructor(role: AgentRole, model: string, gateway: OllamaGateway, fallback: Agent, timeoutMs?: number, prompts: PromptMemo = new PromptMemo()) {
    this.role = role;
    this.model = model;
    this.gateway = gateway;
    this.fallback = fallback;
    this.timeoutMs = timeoutMs;
    this.prompts = prompts;
    this.system = `${ROLE_BRIEF[role]} You sit on a trading panel whose votes are weighed; a deterministic risk gate has the last word. Answer with JSON only.`;
    this.keyPrefix = llmPromptHash(JSON.stringify([this.system, ASSESSMENT_SCHEMA])).slice(0, 16);
  }

  /** The cache key of this seat's question about a proposal. */
  keyFor(p: Readonly<Proposal>, c: Readonly<MarketContext>): string {
    return this.keyPrefix + this.prompts.get(p, c).hash;
  }

  /** The exact request for a proposal: deterministic, so its cache key is too. */
  request(p: Readonly<Proposal>, c: Readonly<MarketContext>): StructuredRequest {
    const memo = this.prompts.get(p, c);
    return {
      model: this.model,
      system: this.system,
      prompt: memo.prompt,
      schema: ASSESSMENT_SCHEMA,
      cacheKey: this.keyPrefix + memo.hash,
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
    };
  }

  async assess(p: Readonly<Proposal>, c: Readonly<MarketContext>, signal?: AbortSignal): Promise<Assessment> {
    const req = this.request(p, c);
    const outcome = await this.gateway.structured<Assessment>(signal ? { ...req, signal } : req);
    if (outcome.ok) return fromAnswer(outcome.value);
    return this.fallbackAnswer(p, c, outcome.failure);
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
 * An LLM seat inside a synchronous backtest. It answers from the cache; on a miss it lets the rule
 * agent answer for now and remembers the request. `backtestWithAgents` then asks the model for every
 * miss and runs the backtest again, until a run needs nothing new — so the run that counts is made
 * entirely of the model's (cached) answers, and a re-run asks no model at all.
 */
export class ReplaySeat implements Agent {
  readonly kind = 'llm' as const;
  readonly role: AgentRole;
  readonly agent: LlmAgent;
  /** Requests the cache could not answer, by cache key. */
  readonly misses = new Map<string, StructuredRequest>();
  /** Requests the model cannot answer this session (unreachable, timeout): rules answer, no retry. */
  readonly givenUp: Set<string>;
  answeredByModel = 0;
  answeredByRules = 0;

  constructor(agent: LlmAgent, givenUp: Set<string> = new Set()) {
    this.agent = agent;
    this.role = agent.role;
    this.givenUp = givenUp;
  }

  assess(p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    const agent = this.agent;
    const key = agent.keyFor(p, c);
    const hit = agent.gateway.cachedByKey<Assessment>(agent.model, key);
    if (hit?.ok) {
      this.answeredByModel++;
      // Shared with the gateway's memo: the panel only reads it.
      return hit.value;
    }
    this.answeredByRules++;
    const givenUp = this.givenUp.has(key);
    if (hit === undefined && !givenUp) this.misses.set(key, agent.request(p, c));
    return agent.fallbackAnswer(p, c, hit && !hit.ok ? hit.failure : givenUp ? 'unavailable' : 'pending');
  }
}

/**
 * The prompt (and its hash) for the proposal at hand, kept while the same proposal is asked of
 * several seats: one panel vote writes and hashes it once instead of once per seat.
 */
export class PromptMemo {
  private bar = -1;
  private side = '';
  private pct = Number.NaN;
  private stop = Number.NaN;
  private target = Number.NaN;
  private confidence = Number.NaN;
  private reason = '';
  private regime = '';
  private entry: { prompt: string; hash: string } = { prompt: '', hash: '' };

  get(p: Readonly<Proposal>, c: Readonly<MarketContext>): { prompt: string; hash: string } {
    if (
      p.bar !== this.bar ||
      p.side !== this.side ||
      !same(p.pct, this.pct) ||
      !same(p.stopPrice, this.stop) ||
      !same(p.takeProfitPrice, this.target) ||
      !same(p.confidence, this.confidence) ||
      p.reason !== this.reason ||
      c.regime !== this.regime
    ) {
      const prompt = proposalPrompt(p, c);
      this.entry = { prompt, hash: llmPromptHash(prompt) };
      this.bar = p.bar;
      this.side = p.side;
      this.pct = p.pct;
      this.stop = p.stopPrice;
      this.target = p.takeProfitPrice;
      this.confidence = p.confidence;
      this.reason = p.reason;
      this.regime = c.regime;
    }
    return this.entry;
  }
}

function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

function fromAnswer(v: Assessment): Assessment {
  const out: Assessment = { decision: v.decision as TradeDecision, confidence: v.confidence, reasoning: v.reasoning };
  if (v.modifications) {
    const m: NonNullable<Assessment['modifications']> = {};
    if (typeof v.modifications.pct === 'number') m.pct = v.modifications.pct;
    if (typeof v.modifications.stopPrice === 'number') m.stopPrice = v.modifications.stopPrice;
    if (typeof v.modifications.takeProfitPrice === 'number') m.takeProfitPrice = v.modifications.takeProfitPrice;
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
 */
export function proposalPrompt(p: Readonly<Proposal>, c: Readonly<MarketContext>): string {
  return [
    `Proposal from the strategy: ${p.side} ${p.symbol} at ${num(p.price)} (${new Date(p.time).toISOString()}), size ${num(p.pct * 100, 4)}% of equity,`,
    `stop ${num(p.stopPrice)}, take-profit ${num(p.takeProfitPrice)}, strategy confidence ${num(p.confidence, 3)}, reason: ${p.reason || 'none given'}.`,
    `Market: regime ${c.regime} (the panel needs ${num(c.threshold, 3)} weighted confidence), VIX ${num(c.vix, 4)},`,
    `realized volatility per bar ${num(c.realizedVol, 4)} (percentile ${num(c.volPercentile, 3)}), momentum ${num(c.momentum * 100, 4)}%,`,
    `fast/slow average spread ${num(c.trendSpread * 100, 4)}%, last bar return ${num(c.lastReturn * 100, 4)}%, bar range ${num(c.barRange * 100, 4)}%.`,
    'Answer {"decision":"BUY"|"SELL"|"HOLD","confidence":0..1,"reasoning":"…","modifications":{"pct"?,"stopPrice"?,"takeProfitPrice"?}}.',
  ].join('\n');
}
