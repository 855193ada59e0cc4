/** Which documents Volt handles: strategy files, and only those (other TypeScript is not Volt's). */
export const STRATEGY_SELECTOR = [{ scheme: 'file', language: 'typescript', pattern: '**/*.strategy.ts' }];

/** volt.config.json goes to the sidecar too, which shows its problems as diagnostics as it is edited. */
export const CONFIG_SELECTOR = [{ scheme: 'file', pattern: '**/volt.config.json' }];

/** Everything the language client hands to the sidecar. */
export const SIDECAR_SELECTOR = [...STRATEGY_SELECTOR, ...CONFIG_SELECTOR];

export function isStrategyPath(path: string): boolean {
  return path.endsWith('.strategy.ts');
}
