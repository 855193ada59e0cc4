import { Ollama, type Message } from 'ollama';
import { llmPromptHash, type LlmCache, MemoryLlmCache } from './cache.js';
import { ollamaHostFrom } from './host.js';
import { schemaError, type JsonSchema } from './schema.js';

/** Why an LLM answer could not be had; each maps to one plain sentence for the user. */
export type LlmFailure = 'unreachable' | 'model-missing' | 'timeout' | 'cancelled' | 'invalid-answer' | 'server-error';

export interface StructuredRequest {
  model: string;
  system: string;
  prompt: string;
  schema: JsonSchema;
  /** Stops the call (a newer edit, a closed editor); the answer is then 'cancelled'. */
  signal?: AbortSignal;
  /** Overrides the gateway's timeout for this call. */
  timeoutMs?: number;
  /**
   * The cache key when the caller already has it (an agent hashing one prompt for several seats);
   * otherwise the sha256 of system, prompt and schema.
   */
  cacheKey?: string;
}

/**
 * `tokens`: what the answer cost, Ollama's prompt_eval_count + eval_count over the chat turns that
 * made it (the repair turn too). A cached answer carries what it cost when it was recorded (0 for
 * a row from before Volt recorded costs).
 */
export type StructuredOutcome<T> =
  | { ok: true; value: T; source: 'llm' | 'cache'; tokens: number }
  | { ok: false; failure: LlmFailure; message: string; tokens?: number };

export interface GatewayOptions {
  /** Host from volt.config.json; else OLLAMA_HOST; else 127.0.0.1:11434. */
  host?: string;
  /** How the user set `host`, for messages: 'ollama.host' (default) or e.g. 'the volt.ollama.host setting'. */
  hostSetting?: string;
  /** Why the host cannot be used, when the caller already knows (a gateway that forwards another's questions). */
  hostProblem?: string;
  /** Per call, including the repair retry (default 30 s). */
  timeoutMs?: number;
  /** The journal (llm_cache table) or an in-memory cache (default). */
  cache?: LlmCache;
  /** Told once per kind of trouble, in a sentence; never a stack trace. */
  onNotice?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * The gateway volt.config.json describes (its `ollama` section). Keep one per session — a sidecar,
 * a CLI run — so each kind of trouble is said once and an unreachable server is not asked again.
 */
export function gatewayFromConfig(
  ollama: { host?: string | undefined; timeoutMs: number },
  options: Omit<GatewayOptions, 'host' | 'timeoutMs'> = {},
): OllamaGateway {
  return new OllamaGateway({ ...options, ...(ollama.host ? { host: ollama.host } : {}), timeoutMs: ollama.timeoutMs });
}

/** A cached answer that was invalid even after the repair retry: replays fall back without asking. */
interface FallbackMarker {
  __voltFallback: LlmFailure;
  detail: string;
  tokens?: number;
}

/** A cached answer with what it cost; older rows hold the bare value. */
interface AnswerEnvelope {
  __voltAnswer: unknown;
  tokens: number;
}

/** The cache row of a valid answer: the value and the tokens it cost. */
export function cachedAnswerText(value: unknown, tokens: number): string {
  const row: AnswerEnvelope = { __voltAnswer: value, tokens };
  return JSON.stringify(row);
}

/** The cache row of an answer invalid twice, so replays fall back without asking. */
export function cachedFallbackText(failure: LlmFailure, detail: string, tokens = 0): string {
  const row: FallbackMarker = { __voltFallback: failure, detail, tokens };
  return JSON.stringify(row);
}

/**
 * Volt's one door to Ollama: structured chat with a JSON schema, validated, one repair retry,
 * timeouts and cancellation, answers cached by (model, prompt hash). It never throws for a model's
 * or a server's failings: callers get `{ ok: false, failure }` and fall back to the rule agents.
 */
export class OllamaGateway {
  /** The URL asked; when the host setting is unusable, the value as written (credentials masked). */
  readonly host: string;
  /** Why the host setting cannot be used (naming the setting and what to do); nothing is asked then. */
  readonly hostProblem: string | undefined;
  readonly timeoutMs: number;
  readonly cache: LlmCache;
  /** Chat requests actually sent (a cached re-run sends none). */
  requests = 0;
  cacheHits = 0;
  /** Tokens the models' replies reported (prompt_eval_count + eval_count) over the requests sent. */
  tokensSpent = 0;
  private readonly onNotice: ((message: string) => void) | undefined;
  private readonly told = new Set<string>();
  /** Once the server is unreachable, stop trying for the rest of this session: no hang per proposal. */
  private unreachable: string | null = null;
  private readonly missingModels = new Set<string>();
  /** Parsed cache hits, so the replay passes of one run read and parse each answer once. */
  private readonly parsed = new Map<string, StructuredOutcome<unknown>>();

  constructor(options: GatewayOptions = {}) {
    const host = ollamaHostFrom(options.host, options.env, options.hostSetting);
    this.host = host.ok ? host.url : host.shown;
    this.hostProblem = options.hostProblem ?? (host.ok ? undefined : host.problem);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.cache = options.cache ?? new MemoryLlmCache();
    this.onNotice = options.onNotice;
  }

  /** The cache key of a request: what a sync caller (a backtest bar loop) can look up. */
  keyOf(req: Pick<StructuredRequest, 'system' | 'prompt' | 'schema' | 'cacheKey'>): string {
    return req.cacheKey ?? llmPromptHash(JSON.stringify([req.system, req.prompt, req.schema]));
  }

  /** A cached answer, without asking any model; undefined when there is none. */
  cached<T>(req: Pick<StructuredRequest, 'model' | 'system' | 'prompt' | 'schema' | 'cacheKey'>): StructuredOutcome<T> | undefined {
    return this.cachedByKey<T>(req.model, this.keyOf(req));
  }

  /** The same, by cache key: the bar loop's path. The value is shared: treat it as read-only. */
  cachedByKey<T>(model: string, key: string, memoize = true): StructuredOutcome<T> | undefined {
    const memoKey = memoize ? `${model}\u0000${key}` : '';
    const seen = memoize ? this.parsed.get(memoKey) : undefined;
    if (seen !== undefined) {
      this.cacheHits++;
      return seen as StructuredOutcome<T>;
    }
    const raw = this.cache.getCachedLlm(model, key);
    if (raw === undefined) return undefined;
    this.cacheHits++;
    const parsed = JSON.parse(raw) as T | FallbackMarker | AnswerEnvelope;
    const outcome: StructuredOutcome<T> =
      typeof parsed === 'object' && parsed !== null && '__voltFallback' in parsed
        ? { ok: false, failure: parsed.__voltFallback, message: parsed.detail, tokens: parsed.tokens ?? 0 }
        : typeof parsed === 'object' && parsed !== null && '__voltAnswer' in parsed
          ? { ok: true, value: parsed.__voltAnswer as T, source: 'cache', tokens: typeof parsed.tokens === 'number' ? parsed.tokens : 0 }
          : { ok: true, value: parsed as T, source: 'cache', tokens: 0 };
    if (memoize) this.parsed.set(memoKey, outcome);
    return outcome;
  }

  /** Ask for a JSON answer that fits `schema`; one repair retry when it does not. */
  async structured<T>(req: StructuredRequest): Promise<StructuredOutcome<T>> {
    const hit = this.cached<T>(req);
    if (hit) return hit;
    if (this.hostProblem !== undefined) return this.failed(req, 'unreachable', `LLM unavailable: ${this.hostProblem}. Rule-based agents answer instead`);
    if (this.unreachable !== null) return { ok: false, failure: 'unreachable', message: this.unreachable };
    if (this.missingModels.has(req.model)) return { ok: false, failure: 'model-missing', message: missingModelMessage(req.model) };

    const key = this.keyOf(req);
    const messages: Message[] = [
      { role: 'system', content: req.system },
      { role: 'user', content: req.prompt },
    ];
    let problem = '';
    let tokens = 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      let reply = await this.chat(req, messages);
      // A keep-alive socket the server had just closed: try once more on a fresh one.
      if (!reply.ok && reply.transient) reply = await this.chat(req, messages);
      if (!reply.ok) return this.failed(req, reply.failure, reply.message);
      tokens += reply.tokens;
      this.tokensSpent += reply.tokens;
      const checked = checkAnswer(reply.text, req.schema);
      if (checked.ok) {
        this.cache.putCachedLlm(req.model, key, cachedAnswerText(checked.value, tokens));
        return { ok: true, value: checked.value as T, source: 'llm', tokens };
      }
      problem = checked.problem;
      // The repair turn: show the model its answer and what was wrong with it, once.
      messages.push({ role: 'assistant', content: reply.text });
      messages.push({
        role: 'user',
        content: `That answer is not usable: ${problem}. Reply again with only a JSON object that matches the schema.`,
      });
    }
    const message = `${req.model} gave an invalid answer twice (${problem}); the rule-based agent answers instead`;
    this.cache.putCachedLlm(req.model, key, cachedFallbackText('invalid-answer', message, tokens));
    return { ...this.failed<T>(req, 'invalid-answer', message), tokens };
  }

  /** Say a thing once per kind (and model), so a backtest with 500 proposals prints one line. */
  notice(key: string, message: string): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    this.onNotice?.(message);
  }

  private failed<T>(req: StructuredRequest, failure: LlmFailure, message: string): StructuredOutcome<T> {
    if (failure === 'unreachable') this.unreachable = message;
    if (failure === 'model-missing') this.missingModels.add(req.model);
    if (failure !== 'cancelled') this.notice(failure === 'unreachable' ? failure : `${failure}:${req.model}`, message);
    return { ok: false, failure, message };
  }

  private async chat(
    req: StructuredRequest,
    messages: Message[],
  ): Promise<{ ok: true; text: string; tokens: number } | { ok: false; failure: LlmFailure; message: string; transient?: boolean }> {
    const controller = new AbortController();
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    let why: 'timeout' | 'cancelled' | null = null;
    const timer = setTimeout(() => {
      why = 'timeout';
      controller.abort();
    }, timeoutMs);
    const onCancel = (): void => {
      why ??= 'cancelled';
      controller.abort();
    };
    if (req.signal?.aborted) onCancel();
    req.signal?.addEventListener('abort', onCancel, { once: true });
    // The client only wires its own signal into streamed bodies; binding ours into fetch also
    // covers a server that accepts the connection and never answers the headers.
    const client = new Ollama({
      host: this.host,
      fetch: (input: string | URL | Request, init?: RequestInit) =>
        fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal }),
    });
    this.requests++;
    try {
      const stream = await client.chat({
        model: req.model,
        messages,
        format: req.schema as object,
        stream: true,
        // Deterministic sampling: the same prompt should give the same answer on a re-run.
        options: { temperature: 0, seed: 42 },
      });
      let text = '';
      let tokens = 0;
      for await (const part of stream) {
        text += part.message?.content ?? '';
        // The last part carries the counts of the whole reply.
        if (part.done) tokens = (part.prompt_eval_count ?? 0) + (part.eval_count ?? 0);
      }
      return { ok: true, text, tokens };
    } catch (e) {
      if (why === 'timeout') return { ok: false, failure: 'timeout', message: `${req.model} did not answer within ${timeoutMs} ms; the rule-based agent answers instead` };
      if (why === 'cancelled') return { ok: false, failure: 'cancelled', message: 'cancelled' };
      return classify(e, req.model, this.host);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCancel);
    }
  }
}

function checkAnswer(text: string, schema: JsonSchema): { ok: true; value: unknown } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    return { ok: false, problem: 'it is not valid JSON' };
  }
  const err = schemaError(value, schema);
  return err ? { ok: false, problem: `it does not match the schema (${err})` } : { ok: true, value };
}

/**
 * Models that think aloud (deepseek-r1) may wrap the JSON in <think> text or a code fence. The
 * answer as it stands is tried first: a fence inside one of its strings (a strategy file, a quoted
 * snippet) is content, not a wrapper.
 */
function parseJson(text: string): unknown {
  const t = text.replace(/<think>[\s\S]*?<\/think>/g, '').trim();
  try {
    return JSON.parse(t);
  } catch (e) {
    const fenced = /^```(?:json)?\s*([\s\S]*)```$/.exec(t) ?? /```(?:json)?\s*([\s\S]*?)```/.exec(t);
    if (!fenced) throw e;
    return JSON.parse(fenced[1]!.trim());
  }
}

export function missingModelMessage(model: string): string {
  return `Ollama has no model '${model}'; run \`ollama pull ${model}\` or pick an installed one in volt.config.json (ollama.models). The rule-based agent answers instead`;
}

export function unreachableMessage(host: string): string {
  return `LLM unavailable: Ollama is not reachable at ${host} (start it with \`ollama serve\`, or set ollama.host in volt.config.json / OLLAMA_HOST). Rule-based agents answer instead`;
}

function classify(e: unknown, model: string, host: string): { ok: false; failure: LlmFailure; message: string; transient?: boolean } {
  const err = e as { name?: string; status_code?: number; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'ResponseError' && err.status_code === 404) return { ok: false, failure: 'model-missing', message: missingModelMessage(model) };
  const code = err?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'EAI_AGAIN' || code === 'ENETUNREACH') {
    return { ok: false, failure: 'unreachable', message: unreachableMessage(host) };
  }
  const detail = err?.cause?.message ?? err?.message ?? String(e);
  return {
    ok: false,
    failure: 'server-error',
    message: `Ollama at ${host} failed on ${model}: ${detail}; the rule-based agent answers instead`,
    transient: code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE',
  };
}
