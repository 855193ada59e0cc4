import { Ollama } from 'ollama';
import { ollamaHostFrom } from './host.js';

export interface InstalledModel {
  name: string;
  size: number;
  modifiedAt: string;
}

export interface OllamaStatus {
  host: string;
  reachable: boolean;
  version?: string;
  models: InstalledModel[];
  /** Why it is not reachable, in a sentence. */
  reason?: string;
}

/**
 * Is Ollama there, which version, which models (from /api/version and /api/tags). Never throws:
 * a host setting Volt cannot use is `reachable: false` with the reason naming the setting.
 */
export async function ollamaStatus(
  options: { host?: string; hostSetting?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<OllamaStatus> {
  const checked = ollamaHostFrom(options.host, options.env, options.hostSetting);
  if (!checked.ok) return { host: checked.shown, reachable: false, models: [], reason: checked.problem };
  const host = checked.url;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 2000);
  const client = new Ollama({
    host,
    fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, signal }),
  });
  try {
    const [version, tags] = await Promise.all([client.version(), client.list()]);
    return {
      host,
      reachable: true,
      version: version.version,
      models: tags.models.map((m) => ({ name: m.name, size: m.size, modifiedAt: String(m.modified_at) })),
    };
  } catch (e) {
    const timedOut = signal.aborted;
    return {
      host,
      reachable: false,
      models: [],
      reason: timedOut
        ? `no answer from ${host} within ${options.timeoutMs ?? 2000} ms`
        : `not reachable at ${host} (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}); start it with \`ollama serve\``,
    };
  }
}
