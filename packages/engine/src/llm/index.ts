/** The Ollama layer: one gateway for structured, validated, cached, cancellable LLM answers. */
export { DEFAULT_OLLAMA_HOST, resolveOllamaHost, normalizeOllamaHost, ollamaHostFrom, parseOllamaHost, maskHostCredentials, type OllamaHost, type HostProblem } from './host.js';
export { schemaError, type JsonSchema } from './schema.js';
export { MemoryLlmCache, llmPromptHash, type LlmCache } from './cache.js';
export {
  OllamaGateway,
  cachedAnswerText,
  cachedFallbackText,
  gatewayFromConfig,
  missingModelMessage,
  unreachableMessage,
  type GatewayOptions,
  type LlmFailure,
  type StructuredOutcome,
  type StructuredRequest,
} from './gateway.js';
export { ollamaStatus, type InstalledModel, type OllamaStatus } from './status.js';
export {
  critiqueStrategy,
  DEFAULT_CRITIQUE_MODEL,
  type CritiqueFinding,
  type CritiqueInput,
  type CritiqueOptions,
  type CritiqueResult,
} from './critique.js';
