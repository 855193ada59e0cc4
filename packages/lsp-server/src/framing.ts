/**
 * Notices when the editor's stream of messages can no longer be read, so the sidecar can exit and
 * be restarted instead of staying alive and deaf. vscode-jsonrpc's reader does not say so: raw
 * bytes with no header end are buffered forever, a Content-Length longer than what follows waits
 * forever, a shorter one leaves the rest of the body where the next header should be.
 *
 * This watch reads the same bytes beside it and follows only the framing (headers and body
 * lengths; bodies are counted, not parsed). The stream is broken when
 * - a byte that cannot be in a header (outside printable ASCII) is where a header should be;
 * - a header block has a line that is not `Name: value`, no Content-Length, or one that is not a
 *   whole number, or it grows past 8 KiB without its blank line;
 * - a started header or body gets no more bytes for `stallMs` (default 30 s) after data stopped:
 *   a client writes a message whole, so a frame still short after that long never completes.
 * A body of the declared length that is not valid JSON is not a broken stream: the next frame is
 * read normally (the reader reports that one message and goes on).
 */
import type { Readable } from 'node:stream';

const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
export const DEFAULT_STALL_MS = 30_000;

export class FrameWatch {
  private header: Buffer[] = [];
  private headerBytes = 0;
  /** Body bytes still to come; -1 while a header is being read. */
  private bodyLeft = -1;
  private declared = 0;
  private lastDataAt = 0;
  private stall: NodeJS.Timeout | undefined;
  private broken = false;

  constructor(
    private readonly onBroken: (why: string) => void,
    private readonly stallMs = DEFAULT_STALL_MS,
  ) {}

  feed(chunk: Buffer): void {
    if (this.broken) return;
    this.lastDataAt = Date.now();
    let at = 0;
    while (at < chunk.length && !this.broken) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= n;
        at += n;
        if (this.bodyLeft === 0) this.bodyLeft = -1;
        continue;
      }
      at = this.readHeader(chunk, at);
    }
    this.armStall();
  }

  dispose(): void {
    if (this.stall) clearTimeout(this.stall);
    this.broken = true;
  }

  /** Consumes header bytes from `chunk` at `from`; returns where it stopped. */
  private readHeader(chunk: Buffer, from: number): number {
    // Find the blank line across what was kept and this chunk (it may straddle them).
    const kept = this.headerBytes;
    const rest = chunk.subarray(from);
    const joined = kept > 0 ? Buffer.concat([...this.header, rest]) : rest;
    const end = joined.indexOf(HEADER_END, Math.max(0, kept - 3));
    // Only the header's own bytes must be ASCII; the body after it is UTF-8.
    const headerEnd = end < 0 ? joined.length : end;
    for (let i = kept; i < headerEnd; i++) {
      const b = joined[i]!;
      if (b !== 0x0d && b !== 0x0a && (b < 0x20 || b > 0x7e)) {
        this.fail(`byte 0x${b.toString(16).padStart(2, '0')} arrived where a message header (Content-Length: N) was expected`);
        return chunk.length;
      }
    }
    if (end < 0) {
      if (joined.length > MAX_HEADER_BYTES) {
        this.fail(`a message header ran past ${MAX_HEADER_BYTES} bytes without the blank line that ends it`);
        return chunk.length;
      }
      this.header = [Buffer.from(joined)];
      this.headerBytes = joined.length;
      return chunk.length;
    }
    const text = joined.subarray(0, end).toString('latin1');
    this.header = [];
    this.headerBytes = 0;
    let length: number | undefined;
    for (const line of text.split('\r\n')) {
      const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
      if (!m) {
        this.fail(`a message header line is not 'Name: value': ${JSON.stringify(line.slice(0, 80))}`);
        return chunk.length;
      }
      if (m[1]!.toLowerCase() === 'content-length') {
        if (!/^\d{1,10}$/.test(m[2]!.trim())) {
          this.fail(`Content-Length is not a whole number: ${JSON.stringify(m[2]!.slice(0, 40))}`);
          return chunk.length;
        }
        length = Number(m[2]!.trim());
      }
    }
    if (length === undefined) {
      this.fail('a message header has no Content-Length');
      return chunk.length;
    }
    this.declared = length;
    this.bodyLeft = length === 0 ? -1 : length;
    // What follows the blank line in this chunk.
    return from + (end + HEADER_END.length - kept);
  }

  private armStall(): void {
    const midFrame = this.bodyLeft > 0 || this.headerBytes > 0;
    if (!midFrame || this.broken) {
      if (this.stall) clearTimeout(this.stall);
      this.stall = undefined;
      return;
    }
    if (this.stall) this.stall.refresh();
    else this.stall = setTimeout(() => this.checkStall(), this.stallMs);
  }

  private checkStall(): void {
    this.stall = undefined;
    // A blocked event loop runs timers before it reads what arrived meanwhile: let one round of
    // reading happen before deciding that nothing came.
    setImmediate(() => {
      const quiet = Date.now() - this.lastDataAt;
      if (this.broken) return;
      if (quiet < this.stallMs) {
        this.stall = setTimeout(() => this.checkStall(), this.stallMs - quiet);
        return;
      }
      if (this.bodyLeft > 0) {
        this.fail(`a message was cut short: its Content-Length is ${this.declared} bytes, ${this.declared - this.bodyLeft} arrived, then nothing for ${Math.round(quiet / 1000)} s`);
      } else if (this.headerBytes > 0) {
        this.fail(`a message header was never finished (${this.headerBytes} bytes, then nothing for ${Math.round(quiet / 1000)} s)`);
      }
    });
  }

  private fail(why: string): void {
    this.broken = true;
    if (this.stall) clearTimeout(this.stall);
    this.onBroken(why);
  }
}

/** Watches `input` (the server's stdin) beside the connection's own reader. */
export function watchFraming(input: Readable, onBroken: (why: string) => void, stallMs = DEFAULT_STALL_MS): FrameWatch {
  const watch = new FrameWatch(onBroken, stallMs);
  input.on('data', (chunk: Buffer | string) => watch.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
  return watch;
}

/**
 * For `volt-lsp --stdio`: a stream that can no longer be read ends the process with exit status 1
 * and the reason on stderr, so the editor starts a fresh sidecar. VOLT_LSP_STALL_MS shortens the
 * wait for a frame that never completes (tests; a slow link).
 */
export function stdioFrameWatch(argv: readonly string[], env: NodeJS.ProcessEnv): FrameWatch | undefined {
  if (!argv.includes('--stdio')) return undefined;
  const configured = Number(env.VOLT_LSP_STALL_MS);
  const stallMs = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_STALL_MS;
  return watchFraming(process.stdin, (why) => {
    process.stderr.write(`volt-lsp: cannot read the editor's messages any more: ${why}; exiting so the editor starts a fresh server\n`);
    process.exit(1);
  }, stallMs);
}
