import { TokensError } from './errors.js';
import { JWKS_LOCATION_TAG, type JwksLocation } from './model.js';

/** Parsing a tag value is expected to fail on bad input, so it returns a result, not a throw. */
export type JwksLocationResult =
  | { readonly ok: true; readonly location: JwksLocation }
  | { readonly ok: false; readonly error: TokensError };

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PARAMETER_SEGMENT = /^[a-zA-Z0-9_.-]+$/;
const MAX_OBJECT_KEY_BYTES = 1024;
const MAX_PARAMETER_NAME_LENGTH = 1011;
const MAX_PARAMETER_LEVELS = 15;

/**
 * Reads the value of a `sever:jwks` tag: `s3://bucket/key` or an SSM parameter name `/path/name`.
 *
 * @example
 * ```ts
 * parseJwksLocation('s3://acme-jwks/payments/jwks.json');
 * // { kind: 's3', bucket: 'acme-jwks', key: 'payments/jwks.json' }
 * parseJwksLocation('/payments/jwks'); // { kind: 'ssm', name: '/payments/jwks' }
 * ```
 * @throws TokensError `ERR_JWKS_LOCATION_INVALID`, naming the tag and the value.
 */
export function parseJwksLocation(value: string): JwksLocation {
  const result = safeParseJwksLocation(value);
  if (!result.ok) throw result.error;
  return result.location;
}

/**
 * {@link parseJwksLocation} without the throw, for callers that report every bad tag at once
 * (inventory, plan validation).
 *
 * @example
 * ```ts
 * const result = safeParseJwksLocation(tags['sever:jwks']);
 * if (!result.ok) problems.push(result.error.message);
 * ```
 */
export function safeParseJwksLocation(value: string): JwksLocationResult {
  const trimmed = value.trim();
  if (trimmed.startsWith('s3://')) return parseS3(trimmed);
  if (trimmed.startsWith('/')) return parseSsm(trimmed);
  return invalid(value, 'expected s3://bucket/key or an SSM parameter name starting with "/"');
}

/**
 * The JWKS location a signing key names in its tags, `undefined` when it has no `sever:jwks` tag
 * (its verifiers get keys some other way, and no JWKS needs updating).
 */
export function jwksLocationFromTags(tags: Readonly<Record<string, string>>): JwksLocationResult | undefined {
  const value = tags[JWKS_LOCATION_TAG];
  return value === undefined ? undefined : safeParseJwksLocation(value);
}

/** The tag-value form of a location: the inverse of {@link parseJwksLocation}. */
export function formatJwksLocation(location: JwksLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.name;
}

function parseS3(value: string): JwksLocationResult {
  const rest = value.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return invalid(value, 'an S3 URI needs an object key after the bucket (s3://bucket/key)');
  const bucket = rest.slice(0, slash);
  const key = rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    return invalid(value, `"${bucket}" is not a valid S3 bucket name`);
  }
  if (key === '' || key.endsWith('/')) return invalid(value, 'the S3 object key is empty or ends with "/"');
  if (new TextEncoder().encode(key).length > MAX_OBJECT_KEY_BYTES) {
    return invalid(value, `the S3 object key is longer than ${MAX_OBJECT_KEY_BYTES} bytes`);
  }
  return { ok: true, location: { kind: 's3', bucket, key } };
}

function parseSsm(value: string): JwksLocationResult {
  if (value.length > MAX_PARAMETER_NAME_LENGTH) {
    return invalid(value, `an SSM parameter name is at most ${MAX_PARAMETER_NAME_LENGTH} characters`);
  }
  const segments = value.slice(1).split('/');
  if (segments.length > MAX_PARAMETER_LEVELS) {
    return invalid(value, `an SSM parameter name has at most ${MAX_PARAMETER_LEVELS} levels`);
  }
  const bad = segments.find((segment) => !PARAMETER_SEGMENT.test(segment));
  if (bad !== undefined) {
    return invalid(
      value,
      bad === ''
        ? 'the SSM parameter name has an empty path segment'
        : `the SSM parameter path segment "${bad}" may only contain a-z A-Z 0-9 _ . -`,
    );
  }
  const first = segments[0]?.toLowerCase() ?? '';
  if (first.startsWith('aws') || first.startsWith('ssm')) {
    return invalid(value, 'SSM reserves parameter names starting with "aws" or "ssm"');
  }
  return { ok: true, location: { kind: 'ssm', name: value } };
}

function invalid(value: string, reason: string): JwksLocationResult {
  return {
    ok: false,
    error: new TokensError('ERR_JWKS_LOCATION_INVALID', `Tag ${JWKS_LOCATION_TAG}="${value}" is invalid: ${reason}`),
  };
}
