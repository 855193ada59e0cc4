import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; built dist/ is only for bins and workers.
    alias: {
      // The CLI's narrow imports (`@volt/engine/lib/runner/runner`) load one module's sources.
      '@volt/engine/lib': here('./packages/engine/src'),
      '@volt/engine': here('./packages/engine/src/index.ts'),
      // Unit tests of the VS Code extension run against a small stand-in for the editor's API.
      vscode: here('./packages/vscode-extension/tests/vscode-stand-in.ts'),
      // And the Obsidian plugin's against one for Obsidian's (it cannot be installed here either).
      obsidian: here('./packages/obsidian-plugin/tests/obsidian-stand-in.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', here('./test-support/summary-reporter.ts')],
  },
});
