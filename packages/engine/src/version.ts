import { readFileSync } from 'node:fs';

/**
 * The `version` of the package.json at `packageJson`. Each Volt package reads its own this way
 * (`new URL('../package.json', import.meta.url)` works from src/ and from dist/ alike), so the
 * version a face reports is always the one it was installed as. 'unknown' when it is not there
 * (a bundle that did not copy it), rather than failing the command that asked.
 */
export function packageVersion(packageJson: URL): string {
  try {
    const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** This engine's version. A function, not a constant: the sandbox host bundles this module as
 * CommonJS, where import.meta.url is empty and package.json may not be read. */
export function engineVersion(): string {
  return packageVersion(new URL('../package.json', import.meta.url));
}
