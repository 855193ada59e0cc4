import { createHash } from 'node:crypto';

/**
 * Where validated LLM answers are kept, keyed by (model, prompt hash). The journal implements this
 * with its llm_cache table (same method names), so a second run of a backtest asks no model.
 */
export interface LlmCache {
  getCachedLlm(model: string, promptHash: string): string | undefined;
  putCachedLlm(model: string, promptHash: string, response: string): void;
}

export class MemoryLlmCache implements LlmCache {
  private readonly entries = new Map<string, string>();

  getCachedLlm(model: string, promptHash: string): string | undefined {
    return this.entries.get(`${model}\u0000${promptHash}`);
  }

  putCachedLlm(model: string, promptHash: string, response: string): void {
    this.entries.set(`${model}\u0000${promptHash}`, response);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** sha256 hex of the prompt text (the same key as the journal's hashPrompt). */
export function llmPromptHash(prompt: string): string {
  return createHash('sha256').update(prompt).digest('hex');
}
