import { PassThrough } from 'node:stream';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { openChannel } from './channel.js';

const frame = (m: unknown): Buffer => {
  const body = serialize(m);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
};

describe('the runner-sandbox channel', () => {
  it('gives back every message whole and in order, whatever the chunks: small ones, and megabytes of candles gathered as they arrive', async () => {
    const pipe = new PassThrough();
    const channel = openChannel<unknown, unknown>(pipe);
    const got: unknown[] = [];
    channel.onMessage((m) => got.push(m));
    const candles = new Float64Array(300_000).map((_, i) => i * 0.5);
    const sent = [{ type: 'ready' }, { type: 'run', close: candles }, { type: 'phase', phase: 'onBar' }, { type: 'run', close: candles.subarray(7) }, { type: 'last' }];
    const bytes = Buffer.concat(sent.map(frame));
    // Chunks of every awkward size: a length prefix split, a big frame's tail sharing a chunk with the next frame.
    const sizes = [1, 2, 3, 65_536, 100_001, 7, 1_000_000];
    for (let at = 0, k = 0; at < bytes.length; k++) {
      const n = sizes[k % sizes.length]!;
      pipe.write(bytes.subarray(at, at + n));
      at += n;
    }
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(sent);
  });
});
