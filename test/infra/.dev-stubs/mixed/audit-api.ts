export const handler = async (event: unknown): Promise<unknown> => ({ ok: true, event });
