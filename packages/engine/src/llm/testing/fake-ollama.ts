import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small server on 127.0.0.1 that speaks Ollama's HTTP API the way the real one does — /api/chat
 * and /api/generate streaming NDJSON (or one JSON document with `stream: false`), /api/tags,
 * /api/version, 404 `{"error": …}` for a model it does not have — with answers scripted per test.
 * Tests drive it with the real `ollama` client; it ships in dist so the sidecar's tests and the
 * benchmarks can use it too. It is not a model: it says exactly what the script tells it to.
 */

export interface ChatCall {
  endpoint: 'chat' | 'generate';
  model: string;
  /** The chat messages, or for /api/generate one user message holding the prompt. */
  messages: Array<{ role: string; content: string }>;
  format: unknown;
  stream: boolean;
}

export interface ScriptedReply {
  /** The assistant's text (the JSON a model would write). */
  content?: string;
  /** Stream the content in these pieces (default: a few pieces cut from `content`). */
  chunks?: string[];
  /** Wait this long before the first byte (slow-model tests). */
  delayMs?: number;
  /** Wait this long between streamed pieces. */
  chunkDelayMs?: number;
  /** Answer with this HTTP status and `{ error }` instead. */
  status?: number;
  error?: string;
  /** The token counts the final part reports, as Ollama does (default 10 and 10). */
  promptEvalCount?: number;
  evalCount?: number;
}

export interface FakeOllamaOptions {
  /** Installed models, as /api/tags lists them (default ['llama3.3:latest']). */
  models?: string[];
  version?: string;
  /** The script: what to answer to each chat or generate call. */
  reply?: (call: ChatCall, index: number) => ScriptedReply | Promise<ScriptedReply>;
}

export class FakeOllama {
  readonly calls: ChatCall[] = [];
  private readonly server: Server;
  private readonly options: FakeOllamaOptions;
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(server: Server, options: FakeOllamaOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
    let self!: FakeOllama;
    const server = createServer((req, res) => {
      self.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) json(res, 500, { error: String(e) });
        else res.destroy();
      });
    });
    self = new FakeOllama(server, options);
    server.on('connection', (s) => {
      self.sockets.add(s);
      s.on('close', () => self.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  /** `http://127.0.0.1:PORT`, what volt.config.json's ollama.host or OLLAMA_HOST would hold. */
  get host(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private get models(): string[] {
    return this.options.models ?? ['llama3.3:latest'];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/api/version') return json(res, 200, { version: this.options.version ?? '0.6.2' });
    if (req.method === 'GET' && url === '/api/tags') {
      return json(res, 200, {
        models: this.models.map((name, i) => ({
          name,
          model: name,
          modified_at: '2026-01-02T03:04:05.000000000Z',
          size: 4_000_000_000 + i,
          digest: `${(i + 1).toString(16).padStart(64, '0')}`,
          details: { parent_model: '', format: 'gguf', family: name.split(':')[0], families: null, parameter_size: '8B', quantization_level: 'Q4_K_M' },
        })),
      });
    }
    if (req.method === 'HEAD' && url === '/') return void res.writeHead(200).end();
    if (req.method === 'GET' && url === '/') return void res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Ollama is running');
    if (req.method !== 'POST' || (url !== '/api/chat' && url !== '/api/generate')) return json(res, 404, { error: 'not found' });

    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    const endpoint = url === '/api/chat' ? 'chat' : 'generate';
    const model = String(body.model ?? '');
    const call: ChatCall = {
      endpoint,
      model,
      messages: endpoint === 'chat' ? ((body.messages as ChatCall['messages']) ?? []) : [{ role: 'user', content: String(body.prompt ?? '') }],
      format: body.format,
      // Ollama streams unless told otherwise.
      stream: body.stream !== false,
    };
    const index = this.calls.length;
    this.calls.push(call);
    if (!this.hasModel(model)) return json(res, 404, { error: `model '${model}' not found` });

    const reply = (await this.options.reply?.(call, index)) ?? { content: '{}' };
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.status !== undefined) return json(res, reply.status, { error: reply.error ?? 'error' });
    const content = reply.content ?? '';
    const created = '2026-01-02T03:04:05.000000000Z';
    const piece = (text: string, done: boolean): Record<string, unknown> =>
      endpoint === 'chat'
        ? { model, created_at: created, message: { role: 'assistant', content: text }, done }
        : { model, created_at: created, response: text, done };
    const final = (): Record<string, unknown> => ({
      ...piece('', true),
      done_reason: 'stop',
      total_duration: 1_000_000,
      load_duration: 1000,
      prompt_eval_count: reply.promptEvalCount ?? 10,
      prompt_eval_duration: 1000,
      eval_count: reply.evalCount ?? 10,
      eval_duration: 1000,
    });
    if (!call.stream) return json(res, 200, { ...final(), ...(endpoint === 'chat' ? { message: { role: 'assistant', content } } : { response: content }) });

    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Transfer-Encoding': 'chunked' });
    for (const chunk of reply.chunks ?? splitContent(content)) {
      if (res.destroyed) return;
      res.write(JSON.stringify(piece(chunk, false)) + '\n');
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    }
    if (!res.destroyed) res.end(JSON.stringify(final()) + '\n');
  }

  private hasModel(model: string): boolean {
    const names = this.models;
    return names.includes(model) || names.includes(`${model}:latest`);
  }
}

function splitContent(content: string): string[] {
  if (content.length === 0) return [];
  const size = Math.max(1, Math.ceil(content.length / 4));
  const out: string[] = [];
  for (let i = 0; i < content.length; i += size) out.push(content.slice(i, i + size));
  return out;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
