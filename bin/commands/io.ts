import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_FILES, type SnapshotFileName, type SnapshotFiles } from '../../lambda/core/snapshot/parse.js';

/** Output streams of a CLI command. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** A command-line mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads every snapshot file present in DIR; parsing reports anything missing or malformed. */
export async function readSnapshotDir(dir: string): Promise<SnapshotFiles> {
  const files: Partial<Record<SnapshotFileName, string>> = {};
  for (const name of Object.values(SNAPSHOT_FILES)) {
    try {
      files[name] = await readFile(join(dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}

/** Reads a JSON file, naming the file when it is not JSON. */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}
