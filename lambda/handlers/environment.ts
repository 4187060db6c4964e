import { z } from 'zod';

/**
 * Lambda configuration comes only from environment variables set by the stack. A missing or
 * malformed variable stops the function at cold start with the variable's name: a Sever that
 * guesses its configuration could act on the wrong table or lock the wrong principal.
 */
export function readEnvironment<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new Error(`Sever is misconfigured: ${problems}`);
}

export const jsonStringList = z
  .string()
  .default('[]')
  .transform((text, ctx) => {
    try {
      const value: unknown = JSON.parse(text);
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings' });
    return z.NEVER;
  });

/** One line of structured log. Callers pass ids and counts only: never policies, keys or secrets. */
export function log(level: 'info' | 'warn' | 'error', message: string, fields: Readonly<Record<string, unknown>> = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}
