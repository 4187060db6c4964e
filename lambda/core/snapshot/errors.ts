/** Stable codes for a snapshot that cannot be used. */
export type SnapshotErrorCode = 'ERR_SNAPSHOT_FILE_MISSING' | 'ERR_SNAPSHOT_JSON' | 'ERR_SNAPSHOT_SHAPE' | 'ERR_SNAPSHOT_POLICY';

/**
 * A snapshot that cannot be analysed. Reach computed from a partial snapshot could miss a key,
 * so every problem stops the analysis and names the file and the path inside it.
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    readonly code: SnapshotErrorCode,
    readonly file: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${file}${path ? ` at ${path}` : ''}: ${detail}`);
  }
}
