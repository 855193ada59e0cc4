// Types for code-server.mjs, so the end-to-end test can import it.
export const CODE_SERVER_VERSION: string;
export const repoRoot: string;
export const cacheDir: string;
export function entryScript(): string;
export function requireTool(name: string, aptPackage?: string): string;
export function isReady(): boolean;
export function ensureCodeServer(): string;
