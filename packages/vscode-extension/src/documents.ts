/** Which documents Volt handles: strategy files, and only those (other TypeScript is not Volt's). */
export const STRATEGY_SELECTOR = [{ scheme: 'file', language: 'typescript', pattern: '**/*.strategy.ts' }];

export function isStrategyPath(path: string): boolean {
  return path.endsWith('.strategy.ts');
}
