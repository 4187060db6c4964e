import { AwsAdapterError, type AwsCallContext, callAws } from './errors.js';

/**
 * Fetches every page of a paginated AWS listing. IAM (`IsTruncated`/`Marker`), KMS
 * (`Truncated`/`NextMarker`) and token-based APIs (`NextToken`) differ only in how the next
 * token is read, so the caller passes that as `next`. SDK errors are translated with `context`.
 *
 * @example
 * const pages = await allPages(
 *   { service: 'kms', operation: 'ListKeys' },
 *   (Marker) => kms.send(new ListKeysCommand({ Marker })),
 *   (page) => (page.Truncated ? page.NextMarker : undefined),
 * );
 */
export async function allPages<P>(
  context: AwsCallContext,
  fetch: (token: string | undefined) => Promise<P>,
  next: (page: P) => string | undefined,
): Promise<P[]> {
  const pages: P[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page: P = await callAws(context, () => fetch(token));
    pages.push(page);
    token = next(page);
    // A token returned twice would page forever; stop instead of looping.
    if (token !== undefined && seen.has(token)) {
      throw new AwsAdapterError('ERR_AWS_PAGINATION', context, 'the same pagination token was returned twice');
    }
    if (token !== undefined) seen.add(token);
  } while (token !== undefined && token !== '');
  return pages;
}

/** {@link allPages}, flattened to the items `items` picks from each page. */
export async function allItems<P, I>(
  context: AwsCallContext,
  fetch: (token: string | undefined) => Promise<P>,
  next: (page: P) => string | undefined,
  items: (page: P) => readonly I[] | undefined,
): Promise<I[]> {
  const pages = await allPages(context, fetch, next);
  return pages.flatMap((page) => items(page) ?? []);
}

/** Next token of an IAM listing. */
export const iamNext = (page: { IsTruncated?: boolean; Marker?: string }): string | undefined =>
  page.IsTruncated ? page.Marker : undefined;

/** Next token of a KMS listing. */
export const kmsNext = (page: { Truncated?: boolean; NextMarker?: string }): string | undefined =>
  page.Truncated ? page.NextMarker : undefined;

/** Next token of a `NextToken` listing (Secrets Manager, SSM, Organizations). */
export const tokenNext = (page: { NextToken?: string }): string | undefined => page.NextToken;
