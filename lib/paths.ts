import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError } from './errors.js';

/** The repository root: the bundler's project root and the base of every Lambda entry. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The lock file that pins what the bundles contain. */
export const LOCK_FILE = join(REPO_ROOT, 'package-lock.json');

/** The Lambda handlers the stack deploys, by their file name under `lambda/handlers/`. */
export type HandlerName = 'revoke' | 'deferred' | 'ingest' | 'rotate-secret' | 'digest' | 'audit-api';

/** Every handler the stack bundles, in the order the stack creates them. */
export const HANDLER_NAMES: readonly HandlerName[] = ['ingest', 'revoke', 'deferred', 'rotate-secret', 'digest', 'audit-api'];

/**
 * Absolute path of a handler's entry file.
 *
 * @throws {InfraError} `ERR_ENTRY_MISSING` when the file does not exist, naming the path.
 */
export function handlerEntry(name: HandlerName, handlersDir: string = join(REPO_ROOT, 'lambda', 'handlers')): string {
  const entry = join(handlersDir, `${name}.ts`);
  if (!existsSync(entry)) {
    throw new InfraError('ERR_ENTRY_MISSING', `Lambda entry for "${name}" not found at ${entry}`);
  }
  return entry;
}

/**
 * Fails synthesis when esbuild is not installed in the project. Without it, CDK silently
 * switches to Docker bundling, which this project never uses.
 *
 * @throws {InfraError} `ERR_ESBUILD_MISSING`
 */
export function assertLocalEsbuild(): void {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  try {
    require.resolve('esbuild');
  } catch {
    throw new InfraError(
      'ERR_ESBUILD_MISSING',
      `esbuild is not installed under ${join(REPO_ROOT, 'node_modules')}; run "npm ci" (bundling never falls back to Docker)`,
    );
  }
}
