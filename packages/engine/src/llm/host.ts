/**
 * Where Ollama listens. The same rules as Ollama's own tools apply to OLLAMA_HOST: `host[:port]`
 * or `scheme://host[:port][/path]`, surrounding quotes and spaces ignored, http when no scheme is
 * given, port 11434 when none is given without a scheme (80/443 with an explicit http/https).
 */
export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

export function resolveOllamaHost(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromConfig = configured?.trim();
  if (fromConfig) return normalizeOllamaHost(fromConfig);
  const fromEnv = env.OLLAMA_HOST;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return normalizeOllamaHost(fromEnv);
  return DEFAULT_OLLAMA_HOST;
}

export function normalizeOllamaHost(raw: string): string {
  const s = raw.trim().replace(/^["']+|["']+$/g, '').trim();
  let scheme = 'http';
  let rest = s;
  let defaultPort = '11434';
  const sep = s.indexOf('://');
  if (sep >= 0) {
    scheme = s.slice(0, sep).toLowerCase();
    rest = s.slice(sep + 3);
    if (scheme === 'http') defaultPort = '80';
    else if (scheme === 'https') defaultPort = '443';
  }
  const slash = rest.indexOf('/');
  const hostport = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash).replace(/\/+$/, '') : '';
  let host = '127.0.0.1';
  let port = defaultPort;
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostport);
  if (bracketed) {
    host = `[${bracketed[1]}]`;
    if (bracketed[2]) port = bracketed[2];
  } else if (hostport.split(':').length === 2) {
    const [h, p] = hostport.split(':') as [string, string];
    if (h !== '') host = h;
    if (p !== '') port = p;
  } else if (hostport.includes(':')) {
    host = `[${hostport}]`; // a bare IPv6 address
  } else if (hostport !== '') {
    host = hostport;
  }
  const n = Number(port);
  if (!/^\d+$/.test(port) || n > 65535) return DEFAULT_OLLAMA_HOST;
  return `${scheme}://${host}:${port}${path}`;
}
