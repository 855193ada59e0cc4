/**
 * The runner's private line to its sandbox: a pipe on file descriptor 3, framed as a 4-byte length
 * and a v8-serialized value (typed arrays of candles cross as they are). Not Node's IPC channel,
 * which would hand strategy code `process.send` and `process.channel`; this socket is only ever
 * referenced from the host's own closure.
 */
import { deserialize, serialize } from 'node:v8';
import type { Duplex } from 'node:stream';

export interface Channel<In, Out> {
  send(message: Out, done?: () => void): void;
  onMessage(handler: (message: In) => void): void;
  onClose(handler: () => void): void;
}

/** Frames of at least this many bytes are gathered in a buffer of their own as they arrive. */
const BIG_FRAME = 1 << 20;

export function openChannel<In, Out>(stream: Duplex): Channel<In, Out> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let handler: ((message: In) => void) | undefined;
  const queued: In[] = [];

  const deliver = (message: In) => {
    if (handler) handler(message);
    else queued.push(message);
  };

  // A big frame (a run's candles are megabytes) is copied into one buffer of its size as its chunks
  // arrive, while the rest is still on its way: no join of hundreds of chunks once the last is in.
  let needed = -1;
  let frame: Buffer | undefined;
  let filled = 0;
  stream.on('data', (chunk: Buffer) => {
    if (frame) {
      const n = Math.min(chunk.length, frame.length - filled);
      chunk.copy(frame, filled, 0, n);
      filled += n;
      if (filled < frame.length) return;
      const body = frame;
      frame = undefined;
      deliver(deserialize(body) as In);
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    for (;;) {
      if (needed < 0) {
        if (pendingBytes < 4) return;
        if (pending[0]!.length < 4) pending = [Buffer.concat(pending)];
        needed = 4 + pending[0]!.readUInt32LE(0);
      }
      if (pendingBytes < needed) {
        if (needed - 4 < BIG_FRAME) return;
        // Big and incomplete: from here on its chunks go straight into its own buffer.
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        frame = Buffer.allocUnsafe(needed - 4);
        filled = all.copy(frame, 0, 4);
        pending = [];
        pendingBytes = 0;
        needed = -1;
        return;
      }
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      const body = all.subarray(4, needed);
      const rest = all.subarray(needed);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      needed = -1;
      deliver(deserialize(body) as In);
    }
  });
  // A closed pipe is the other side gone: handled by onClose, never an uncaught error.
  stream.on('error', () => undefined);

  return {
    send(message, done) {
      const body = serialize(message);
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32LE(body.length, 0);
      stream.write(head);
      stream.write(body, () => done?.());
    },
    onMessage(h) {
      handler = h;
      for (const m of queued.splice(0)) h(m);
    },
    onClose(h) {
      stream.on('close', h);
    },
  };
}
