import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

/** Captures what main() writes, so the dispatcher is checked without a child process. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('volt', () => {
  it('lists every command with its summary on help, exit 0', async () => {
    const { code, out } = await run(['help']);
    expect(code).toBe(0);
    for (const name of ['backtest', 'lint', 'data', 'journal', 'agents', 'init', 'doctor']) {
      expect(out).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    }
  });

  it('exits 2 with the command list when called with nothing or an unknown command', async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(['bakctest']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'bakctest'");
    expect(unknown.err).toContain('backtest');
  });

  it('--version prints the version of its package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) {
      const { code, out, err } = await run([flag]);
      expect({ code, out, err }).toEqual({ code: 0, out: `volt ${version}\n`, err: '' });
    }
  });
});
