import { packageVersion } from '@volt/engine';

/**
 * The sidecar's version, sent as InitializeResult.serverInfo.version so a face can say which one it
 * talks to and notice a mismatch. Bundled into the VS Code extension, `../package.json` is the one
 * esbuild.config.mjs writes beside the bundle with this package's version.
 */
export function serverVersion(): string {
  return packageVersion(new URL('../package.json', import.meta.url));
}
