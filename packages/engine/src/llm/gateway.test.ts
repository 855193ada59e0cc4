import { closedPort } from '../../../../test-support/ports.js';
import { Ollama } from 'ollama';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOllama, type ScriptedReply } from './testing/fake-ollama.js';
import { MemoryLlmCache, OllamaGateway, critiqueStrategy, normalizeOllamaHost, ollamaStatus, resolveOllamaHost, type JsonSchema } from './index.js';

const SCHEMA: JsonSchema = {
  type: 'object',
  required: ['decision', 'confidence'],
  properties: { decision: { type: 'string', enum: ['BUY', 'SELL', 'HOLD'] }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
};
const ask = { model: 'llama3.3', system: 'You vote.', prompt: 'BUY ETH/BTC at 0.09?', schema: SCHEMA };

let server: FakeOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: (index: number) => ScriptedReply, models = ['llama3.3:latest', 'qwen2.5-coder:7b']): Promise<FakeOllama> {
  server = await FakeOllama.start({ models, reply: (_call, i) => script(i) });
  return server;
}

function gateway(host: string, extra: Partial<ConstructorParameters<typeof OllamaGateway>[0]> = {}): { gw: OllamaGateway; notices: string[] } {
  const notices: string[] = [];
  return { gw: new OllamaGateway({ host, onNotice: (m) => notices.push(m), ...extra }), notices };
}


describe('where Ollama is', () => {
  it('config first, then OLLAMA_HOST as Ollama reads it, then 127.0.0.1:11434', () => {
    expect(resolveOllamaHost('http://box:1234', { OLLAMA_HOST: 'other' })).toBe('http://box:1234');
    expect(resolveOllamaHost(undefined, { OLLAMA_HOST: 'gpu-box' })).toBe('http://gpu-box:11434');
    expect(resolveOllamaHost(undefined, { OLLAMA_HOST: ' "10.0.0.2:9000" ' })).toBe('http://10.0.0.2:9000');
    expect(resolveOllamaHost(undefined, {})).toBe('http://127.0.0.1:11434');
    expect(normalizeOllamaHost('https://ollama.example.com')).toBe('https://ollama.example.com:443');
    expect(normalizeOllamaHost('http://example.com/ollama/')).toBe('http://example.com:80/ollama');
    expect(normalizeOllamaHost(':7777')).toBe('http://127.0.0.1:7777');
    expect(normalizeOllamaHost('[::1]:5000')).toBe('http://[::1]:5000');
    expect(normalizeOllamaHost('0.0.0.0')).toBe('http://0.0.0.0:11434');
  });

  it('refuses a host it cannot use, naming OLLAMA_HOST and never repeating the password', async () => {
    expect(() => resolveOllamaHost(undefined, { OLLAMA_HOST: 'http://127.0.0.1:99999' })).toThrow(/^OLLAMA_HOST=http:\/\/127\.0\.0\.1:99999 has the port 99999, outside 1–65535/);
    expect(() => resolveOllamaHost(undefined, { OLLAMA_HOST: 'http://[::1' })).toThrow(/^OLLAMA_HOST=http:\/\/\[::1 is not a URL/);
    const env = { OLLAMA_HOST: 'http://user:s3cret@127.0.0.1:1' };
    expect(() => resolveOllamaHost(undefined, env)).toThrow(/^OLLAMA_HOST=http:\/\/\*\*\*@127\.0\.0\.1:1 holds a user name or password/);
    // The gateway and the status never throw for it: the LLM is unavailable, and says why.
    const notices: string[] = [];
    const gw = new OllamaGateway({ env, onNotice: (m) => notices.push(m) });
    const outcome = await gw.structured(ask);
    expect(outcome).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(notices.join('\n')).toMatch(/OLLAMA_HOST=.*user name or password/);
    const status = await ollamaStatus({ env });
    expect(status).toMatchObject({ reachable: false, host: 'http://***@127.0.0.1:1' });
    expect(JSON.stringify([outcome, notices, status])).not.toContain('s3cret');
  });
});

describe('structured answers over the real ollama client', () => {
  it('streams NDJSON, validates, caches: the second ask makes no request', async () => {
    const s = await serve(() => ({ content: '{"decision":"BUY","confidence":0.8}', promptEvalCount: 120, evalCount: 31 }));
    const { gw } = gateway(s.host);
    expect(await gw.structured(ask)).toEqual({ ok: true, value: { decision: 'BUY', confidence: 0.8 }, source: 'llm', tokens: 151 });
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]).toMatchObject({ endpoint: 'chat', model: 'llama3.3', stream: true, format: SCHEMA });
    // A replay carries what the answer cost when it was recorded.
    expect(await gw.structured(ask)).toMatchObject({ ok: true, source: 'cache', tokens: 151 });
    expect(gw.tokensSpent).toBe(151);
    expect(s.calls).toHaveLength(1);
    expect(gw.requests).toBe(1);
  });

  it('invalid JSON gets one repair turn that shows the model its answer', async () => {
    const s = await serve((i) => ({ content: i === 0 ? '{"decision": BUY' : '{"decision":"HOLD","confidence":0.4}' }));
    const { gw, notices } = gateway(s.host);
    // Both turns cost tokens (10 + 10 each by default).
    expect(await gw.structured(ask)).toMatchObject({ ok: true, value: { decision: 'HOLD' }, tokens: 40 });
    expect(s.calls).toHaveLength(2);
    const repair = s.calls[1]!.messages;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: '{"decision": BUY' });
    expect(repair.at(-1)!.content).toContain('not valid JSON');
    expect(notices).toEqual([]);
  });

  it('a wrong schema twice falls back, says so once, and a replay does not ask again', async () => {
    const s = await serve(() => ({ content: '{"decision":"MOON","confidence":3}' }));
    const { gw, notices } = gateway(s.host);
    const out = await gw.structured(ask);
    expect(out).toMatchObject({ ok: false, failure: 'invalid-answer' });
    expect(s.calls).toHaveLength(2);
    expect(s.calls[1]!.messages.at(-1)!.content).toContain('$.decision: expected one of BUY, SELL, HOLD');
    expect(await gw.structured(ask)).toMatchObject({ ok: false, failure: 'invalid-answer' });
    expect(s.calls).toHaveLength(2);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('rule-based agent answers instead');
  });

  it('a model that thinks aloud (<think> … </think>, a fenced block) still yields its JSON', async () => {
    const s = await serve(() => ({ content: '<think>hmm</think>\n```json\n{"decision":"SELL","confidence":0.6}\n```' }));
    expect(await gateway(s.host).gw.structured(ask)).toMatchObject({ ok: true, value: { decision: 'SELL' } });
  });

  it('a code fence inside one of the answer\'s strings is content, not a wrapper', async () => {
    const code = '```ts\nconst x = 1;\n```';
    const schema: JsonSchema = { type: 'object', required: ['code'], properties: { code: { type: 'string' } } };
    const s = await serve(() => ({ content: JSON.stringify({ code }) }));
    expect(await gateway(s.host).gw.structured({ ...ask, schema })).toMatchObject({ ok: true, value: { code } });
    await s.close();
    // And a fenced answer whose own strings hold a fence.
    const t = await serve(() => ({ content: '```json\n' + JSON.stringify({ code }) + '\n```' }));
    expect(await gateway(t.host).gw.structured({ ...ask, schema })).toMatchObject({ ok: true, value: { code } });
  });

  it('a slow answer is cut off at the timeout', async () => {
    const s = await serve(() => ({ content: '{"decision":"BUY","confidence":0.8}', delayMs: 2_000 }));
    const { gw, notices } = gateway(s.host, { timeoutMs: 150 });
    const started = Date.now();
    expect(await gw.structured(ask)).toMatchObject({ ok: false, failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(notices[0]).toContain('did not answer within 150 ms');
  });

  it('a stream that stalls half-way is cut off too', async () => {
    const s = await serve(() => ({ chunks: ['{"decision":', '"BUY"', ',"confidence":0.8}'], chunkDelayMs: 1_000 }));
    expect(await gateway(s.host, { timeoutMs: 300 }).gw.structured(ask)).toMatchObject({ ok: false, failure: 'timeout' });
  });

  it('cancellation stops the call and is not reported as a problem', async () => {
    const s = await serve(() => ({ content: '{"decision":"BUY","confidence":0.8}', delayMs: 2_000 }));
    const { gw, notices } = gateway(s.host);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    expect(await gw.structured({ ...ask, signal: ctl.signal })).toMatchObject({ ok: false, failure: 'cancelled' });
    expect(notices).toEqual([]);
  });

  it("a missing model (404 {error: \"model 'x' not found\"}) says which model to pull, once", async () => {
    const s = await serve(() => ({ content: '{}' }), ['qwen2.5-coder:7b']);
    const { gw, notices } = gateway(s.host);
    expect(await gw.structured(ask)).toMatchObject({ ok: false, failure: 'model-missing' });
    expect(await gw.structured({ ...ask, prompt: 'another' })).toMatchObject({ ok: false, failure: 'model-missing' });
    expect(s.calls).toHaveLength(1);
    expect(notices).toEqual([expect.stringContaining('ollama pull llama3.3')]);
  });

  it('connection refused: LLM unavailable, said once, no hang, no stack trace', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    const { gw, notices } = gateway(host);
    expect(await gw.structured(ask)).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(await gw.structured({ ...ask, prompt: 'again' })).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(gw.requests).toBe(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^LLM unavailable: Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(notices[0]).not.toContain('    at ');
  });

  it('a shared cache (the journal in real use) serves a second gateway', async () => {
    const s = await serve(() => ({ content: '{"decision":"BUY","confidence":0.8}' }));
    const cache = new MemoryLlmCache();
    await gateway(s.host, { cache }).gw.structured(ask);
    const second = gateway(s.host, { cache }).gw;
    expect(await second.structured(ask)).toMatchObject({ ok: true, source: 'cache' });
    expect(second.requests).toBe(0);
  });
});

describe('the scripted server speaks the protocol the real client expects', () => {
  it('/api/generate and /api/chat, streamed as NDJSON and as one JSON document', async () => {
    const s = await serve(() => ({ content: 'hello trader' }));
    const client = new Ollama({ host: s.host });
    const streamed: string[] = [];
    for await (const part of await client.generate({ model: 'llama3.3', prompt: 'hi', stream: true })) streamed.push(part.response);
    expect(streamed.join('')).toBe('hello trader');
    expect(streamed.length).toBeGreaterThan(1);
    const whole = await client.generate({ model: 'llama3.3', prompt: 'hi', stream: false });
    expect(whole).toMatchObject({ response: 'hello trader', done: true, done_reason: 'stop' });
    const chat = await client.chat({ model: 'llama3.3', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(chat.message).toEqual({ role: 'assistant', content: 'hello trader' });
    expect(s.calls.map((c) => [c.endpoint, c.stream])).toEqual([['generate', true], ['generate', false], ['chat', false]]);
    await expect(client.chat({ model: 'nope', messages: [] })).rejects.toMatchObject({ status_code: 404, error: "model 'nope' not found" });
  });
});

describe('ollamaStatus', () => {
  it('reports version and installed models from /api/version and /api/tags', async () => {
    const s = await serve(() => ({}), ['llama3.3:latest', 'deepseek-r1:8b']);
    const status = await ollamaStatus({ host: s.host });
    expect(status).toMatchObject({ reachable: true, version: '0.6.2' });
    expect(status.models.map((m) => m.name)).toEqual(['llama3.3:latest', 'deepseek-r1:8b']);
  });

  it('says why when nothing listens', async () => {
    const status = await ollamaStatus({ host: `127.0.0.1:${await closedPort()}` });
    expect(status.reachable).toBe(false);
    expect(status.reason).toContain('ECONNREFUSED');
  });
});

describe('critiqueStrategy', () => {
  const source = ['export default defineStrategy({', '  name: "x",', '  onBar(ctx) { if (ctx.ind.rsi.value < 30) ctx.buy({ pct: 0.5 }); },', '});'].join('\n');

  it('turns the answer into 0-based findings with line edits, dropping lines the file does not have', async () => {
    const answer = {
      findings: [
        { line: 3, message: 'RSI threshold 30 is hard-coded; make it a param', severity: 'warning', edit: { line: 3, newText: '  onBar(ctx) { if (ctx.ind.rsi.value < ctx.params.oversold) ctx.buy({ pct: 0.05 }); },' } },
        { line: 99, message: 'no such line', severity: 'info' },
      ],
    };
    const s = await serve(() => ({ content: JSON.stringify(answer) }));
    const result = await critiqueStrategy(
      { source, findings: [{ code: 'VOLT102', message: 'pct 0.5 over the cap', range: { start: { line: 2, character: 50 }, end: { line: 2, character: 53 } } }] },
      { gateway: new OllamaGateway({ host: s.host }), model: 'qwen2.5-coder:7b' },
    );
    expect(result.source).toBe('llm');
    expect(result.findings).toEqual([
      { code: 'VOLT301', line: 2, message: answer.findings[0]!.message, severity: 'warning', edit: { line: 2, newText: answer.findings[0]!.edit!.newText } },
    ]);
    const prompt = s.calls[0]!.messages[1]!.content;
    expect(prompt).toContain('3 |   onBar(ctx)');
    expect(prompt).toContain('line 3: VOLT102 pct 0.5 over the cap');
  });

  it("names the last run's market 'asset A' unless told not to mask", async () => {
    const s = await serve(() => ({ content: '{"findings":[]}' }));
    const metrics = { totalReturn: 0.1, sharpe: 1.2, maxDrawdown: 0.05, trades: 12, winRate: 0.5, maxConsecutiveLosses: 3 };
    const lastReport = { metrics, data: { symbol: 'BTC/USD', timeframe: '1h', source: 'x.csv', from: Date.UTC(2018, 0, 1), to: Date.UTC(2019, 6, 1), bars: 12_000 } } as never;
    const gw = new OllamaGateway({ host: s.host });
    await critiqueStrategy({ source, lastReport }, { gateway: gw, model: 'qwen2.5-coder:7b' });
    await critiqueStrategy({ source, lastReport }, { gateway: gw, model: 'qwen2.5-coder:7b', mask: false });
    const [masked, plain] = s.calls.map((c) => c.messages[1]!.content);
    expect(masked).toContain('Last backtest on asset A 1h, 12000 bars');
    expect(masked).not.toMatch(/BTC|USD|2018|2019/);
    expect(plain).toContain('Last backtest on BTC/USD 1h');
  });

  it('without Ollama: no findings and a reason, not an error', async () => {
    const result = await critiqueStrategy({ source }, { gateway: new OllamaGateway({ host: `127.0.0.1:${await closedPort()}` }) });
    expect(result).toMatchObject({ findings: [], source: 'unavailable' });
    expect(result.reason).toContain('LLM unavailable');
  });
});
