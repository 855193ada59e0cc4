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

export function openChannel<In, Out>(stream: Duplex): Channel<In, Out> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let handler: ((message: In) => void) | undefined;
  const queued: In[] = [];

  const deliver = (message: In) => {
    if (handler) handler(message);
    else queued.push(message);
  };

  // Length of the message being received, once its 4-byte header is in; -1 before.
  let expected = -1;
  stream.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    while (pendingBytes >= 4) {
      // A big message (the candles) arrives in many chunks: join them once it is whole, not at each chunk.
      if (expected < 0) {
        if (pending[0]!.length < 4) pending = [Buffer.concat(pending)];
        expected = pending[0]!.readUInt32LE(0);
      }
      if (pendingBytes < 4 + expected) break;
      const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      const length = expected;
      expected = -1;
      const body = head.subarray(4, 4 + length);
      const rest = head.subarray(4 + length);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
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
      stream.write(Buffer.concat([head, body]), () => done?.());
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
