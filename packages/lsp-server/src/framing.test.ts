import { describe, expect, it } from 'vitest';
import { FrameWatch } from './framing.js';

function watch(): { w: FrameWatch; broken: string[] } {
  const broken: string[] = [];
  return { w: new FrameWatch((why) => broken.push(why), 60_000), broken };
}

const frame = (body: string): Buffer => Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`), Buffer.from(body)]);

describe('FrameWatch', () => {
  it('follows frames however the bytes are cut, UTF-8 bodies included', () => {
    const { w, broken } = watch();
    const bytes = Buffer.concat([frame('{"a":"é€😀"}'), frame('{}'), Buffer.from('Content-Type: x\r\nContent-Length: 2\r\n\r\n{}')]);
    for (let size = 1; size <= bytes.length; size++) {
      for (let at = 0; at < bytes.length; at += size) w.feed(bytes.subarray(at, at + size));
    }
    expect(broken).toEqual([]);
    w.dispose();
  });

  it('calls a stream broken at the first byte that cannot be a header', () => {
    const { w, broken } = watch();
    w.feed(Buffer.concat([frame('{}'), Buffer.from([0x7b, 0x80])]));
    expect(broken).toEqual(['byte 0x80 arrived where a message header (Content-Length: N) was expected']);
    w.dispose();
  });

  it('calls an endless header broken past 8 KiB', () => {
    const { w, broken } = watch();
    w.feed(Buffer.from('X-Padding: ' + 'a'.repeat(9000)));
    expect(broken[0]).toMatch(/ran past 8192 bytes/);
    w.dispose();
  });
});
