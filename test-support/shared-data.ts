import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * ../shared/data beside the clone: real market data that tests read at run time and never copy
 * into the repo. VOLT_SHARED_DATA overrides it.
 */
export const SHARED_DATA = process.env.VOLT_SHARED_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data');

export function sharedDataFile(name: string): string {
  const file = path.join(SHARED_DATA, name);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: tests need ../shared/data beside the clone (or VOLT_SHARED_DATA)`);
  }
  return file;
}
