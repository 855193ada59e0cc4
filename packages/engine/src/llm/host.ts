/**
 * Where Ollama listens. The same rules as Ollama's own tools apply to OLLAMA_HOST: `host[:port]`
 * or `scheme://host[:port][/path]`, surrounding quotes and spaces ignored, http when no scheme is
 * given, port 11434 when none is given without a scheme (80/443 with an explicit http/https).
 *
 * A value Volt cannot use (not a URL, a port outside 1–65535, a user name or password in it) is
 * refused with one sentence naming the setting it came from and what to do; it never falls back
 * to the default host silently. Credentials are refused rather than stripped: Ollama takes none,
 * fetch cannot send them from a URL, and a refused value is one the user notices. They are never
 * repeated: every message shows the value with them masked.
 */
import { VoltError } from '../errors.js';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

/** A host, checked: the URL to talk to, or why it cannot be used (naming its setting). */
export type OllamaHost = { ok: true; url: string } | { ok: false; problem: string; shown: string };

/** What is wrong with a host value, without naming where it came from; undefined when usable. */
export interface HostProblem {
  /** e.g. "holds a user name or password" */
  problem: string;
  /** What to do, e.g. "remove user:password@ from it" */
  fix: string;
}

/** The value as it may be shown: a user name or password in it is masked. */
export function maskHostCredentials(raw: string): string {
  // Up to the last '@': a password may itself hold '/' or '@'.
  return raw.replace(/^(\s*["']?\s*(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?).*@/, '$1***@');
}

const EXAMPLE = 'http://127.0.0.1:11434';

/** Parses a host value by Ollama's rules: the URL, or what is wrong with it. */
export function parseOllamaHost(raw: string): { url: string } | HostProblem {
  const s = raw.trim().replace(/^["']+|["']+$/g, '').trim();
  if (s === '') return { problem: 'is empty', fix: `set it to a URL such as ${EXAMPLE}, or remove it` };
  let scheme = 'http';
  let rest = s;
  let defaultPort = '11434';
  const sep = s.indexOf('://');
  if (sep >= 0) {
    scheme = s.slice(0, sep).toLowerCase();
    rest = s.slice(sep + 3);
    if (scheme === 'http') defaultPort = '80';
    else if (scheme === 'https') defaultPort = '443';
    else return { problem: `has the scheme '${scheme}', and Ollama speaks http or https`, fix: `write it as ${EXAMPLE}` };
  }
  const slash = rest.indexOf('/');
  const hostport = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash).replace(/\/+$/, '') : '';
  if (rest.includes('@')) {
    return { problem: 'holds a user name or password, which Volt does not send or store', fix: 'remove user:password@ from it (Ollama itself takes no credentials)' };
  }
  let host = '127.0.0.1';
  let port = defaultPort;
  if (hostport.startsWith('[')) {
    const bracketed = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\](?::(\d*))?$/.exec(hostport);
    if (!bracketed) {
      const why = hostport.includes(']') ? `'${hostport}' is not [IPv6-address]:port` : `'[' in '${hostport}' is never closed`;
      return { problem: `is not a URL (${why})`, fix: `write an IPv6 host as http://[::1]:11434, or use ${EXAMPLE}` };
    }
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
  if (!/^\d+$/.test(port)) return { problem: `has the port '${port}', which is not a number`, fix: `write it as ${EXAMPLE}` };
  const n = Number(port);
  if (n < 1 || n > 65535) return { problem: `has the port ${port}, outside 1–65535`, fix: `use the port Ollama listens on (11434 unless you changed it), e.g. ${EXAMPLE}` };
  if (!host.startsWith('[') && !/^[A-Za-z0-9.-]+$/.test(host)) {
    return { problem: `has the host '${host}', which is not a host name or address`, fix: `write it as ${EXAMPLE}` };
  }
  const url = `${scheme}://${host}:${port}${path}`;
  try {
    new URL(url); // what the ollama client does with it
  } catch {
    return { problem: 'is not a URL', fix: `write it as ${EXAMPLE}` };
  }
  return { url };
}

/**
 * The host to use: `configured` (ollama.host of volt.config.json or the editor's setting, named
 * `setting`), else OLLAMA_HOST, else 127.0.0.1:11434. Never throws.
 */
export function ollamaHostFrom(configured: string | undefined, env: NodeJS.ProcessEnv = process.env, setting = 'ollama.host'): OllamaHost {
  const fromConfig = configured?.trim();
  const [raw, name] = fromConfig ? [fromConfig, setting] : [env.OLLAMA_HOST, 'OLLAMA_HOST'];
  if (raw === undefined || raw.trim() === '') return { ok: true, url: DEFAULT_OLLAMA_HOST };
  const parsed = parseOllamaHost(raw);
  if ('url' in parsed) return { ok: true, url: parsed.url };
  const shown = maskHostCredentials(raw.trim());
  const unset = name === 'OLLAMA_HOST' ? ', or unset it' : '';
  return { ok: false, shown, problem: `${name}=${shown} ${parsed.problem}: ${parsed.fix}${unset}` };
}

/** The host to use (see ollamaHostFrom); a value Volt cannot use throws a one-line VoltError. */
export function resolveOllamaHost(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  const host = ollamaHostFrom(configured, env);
  if (!host.ok) throw new VoltError({ kind: 'config', message: host.problem });
  return host.url;
}

/** One host value by Ollama's rules; a value Volt cannot use throws a one-line VoltError. */
export function normalizeOllamaHost(raw: string): string {
  const parsed = parseOllamaHost(raw);
  if ('url' in parsed) return parsed.url;
  throw new VoltError({ kind: 'config', message: `the Ollama host ${maskHostCredentials(raw.trim())} ${parsed.problem}: ${parsed.fix}` });
}
