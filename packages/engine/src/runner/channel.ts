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

  // Chunks are joined once a whole frame has arrived (a run's candles are megabytes: joining at every
  // chunk would copy them again and again).
  let needed = -1;
  stream.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    for (;;) {
      if (needed < 0) {
        if (pendingBytes < 4) return;
        if (pending[0]!.length < 4) pending = [Buffer.concat(pending)];
        needed = 4 + pending[0]!.readUInt32LE(0);
      }
      if (pendingBytes < needed) return;
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
