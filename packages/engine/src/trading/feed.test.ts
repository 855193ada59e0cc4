import { describe, expect, it } from 'vitest';
import { sessionClient } from './feed.js';

describe('sessionClient', () => {
  it("is on the venue's testnet when asked, before anything else: every API URL is the testnet's", async () => {
    const client = await sessionClient({ exchange: 'binance', sandbox: true, env: {} });
    const urls = JSON.stringify(client.urls['api']);
    expect(urls).toContain('testnet.binance.vision');
    expect(urls).not.toMatch(/"https:\/\/api\.binance\.com/);
  });

  it('goes to a mirror of the testnet with an API URL, keeping the paths', async () => {
    const client = await sessionClient({ exchange: 'binance', sandbox: true, apiUrl: 'http://127.0.0.1:9', env: {} });
    expect((client.urls['api'] as Record<string, string>)['public']).toBe('http://127.0.0.1:9/api/v3');
  });
});
