import type { Node } from 'constructs';
import { InfraError } from './errors.js';

/**
 * The `sever:*` CDK context keys an operator sets in `cdk.json` or with `-c key=value`.
 * Values given on the command line arrive as strings; lists may then be JSON arrays or
 * comma-separated.
 */
export const CONTEXT_KEYS = {
  protectedPrincipalArns: 'sever:protectedPrincipalArns',
  jwksBucketArns: 'sever:jwksBucketArns',
  keyDeletionWindowDays: 'sever:keyDeletionWindowDays',
  tracing: 'sever:tracing',
  alarmEmails: 'sever:alarmEmails',
  reservedConcurrency: 'sever:reservedConcurrency',
  manageApiGatewayAccount: 'sever:manageApiGatewayAccount',
  logRetentionDays: 'sever:logRetentionDays',
  webhookAllowedCidrs: 'sever:webhookAllowedCidrs',
} as const;

/** Deployment settings of one Sever stack, read from CDK context by {@link readSeverConfig}. */
export interface SeverConfig {
  /**
   * IAM roles and users Sever must never revoke, lock or modify (break-glass admins, CI deploy
   * roles). Each may end in `*` to cover a path.
   * @default []
   */
  readonly protectedPrincipalArns: readonly string[];
  /**
   * S3 buckets (`arn:aws:s3:::bucket`) or object prefixes (`arn:aws:s3:::bucket/jwks/*`) holding
   * JWKS documents Sever rewrites when it rotates a signing key.
   * @default [] — Sever may only publish JWKS to SSM parameters
   */
  readonly jwksBucketArns: readonly string[];
  /**
   * Waiting period, in days, of the KMS key deletions Sever schedules (7–30).
   * @default 30
   */
  readonly keyDeletionWindowDays: number;
  /**
   * Active X-Ray tracing on every function.
   * @default false
   */
  readonly tracing: boolean;
  /**
   * Addresses subscribed by email to the alarm topic.
   * @default []
   */
  readonly alarmEmails: readonly string[];
  /**
   * Reserve concurrency for the functions whose runaway execution would do harm (revoke,
   * deferred, digest, rotation). Needs that much unreserved account concurrency above 10.
   * @default true
   */
  readonly reservedConcurrency: boolean;
  /**
   * Set the regional API Gateway account's CloudWatch Logs role, which API access logging
   * needs. Turn off when the account already has one.
   * @default true
   */
  readonly manageApiGatewayAccount: boolean;
  /**
   * Retention of function and API logs, in days; one of CloudWatch Logs' allowed values.
   * @default 365
   */
  readonly logRetentionDays: number;
  /**
   * Source CIDRs allowed to call the HR webhook; empty allows any source (the HMAC still applies).
   * @default []
   */
  readonly webhookAllowedCidrs: readonly string[];
}

/** The values {@link readSeverConfig} uses for keys the context leaves unset. */
export const DEFAULT_SEVER_CONFIG: SeverConfig = {
  protectedPrincipalArns: [],
  jwksBucketArns: [],
  keyDeletionWindowDays: 30,
  tracing: false,
  alarmEmails: [],
  reservedConcurrency: true,
  manageApiGatewayAccount: true,
  logRetentionDays: 365,
  webhookAllowedCidrs: [],
};

// CloudWatch Logs rejects any other retention value.
const RETENTION_DAYS = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/*-]+$/;
const S3_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+\/(\d{1,3})$/;

/**
 * Reads and validates the `sever:*` context. Fails closed: a value that does not parse stops
 * synthesis instead of deploying with a default the operator did not choose.
 *
 * @throws {InfraError} `ERR_CONTEXT_INVALID`, naming the key and the offending value.
 * @example
 * ```ts
 * const app = new App();
 * const config = readSeverConfig(app.node);
 * new SeverStack(app, 'Sever', { config });
 * ```
 */
export function readSeverConfig(node: Node): SeverConfig {
  const get = (key: string): unknown => node.tryGetContext(key);
  return {
    protectedPrincipalArns: readList(get, CONTEXT_KEYS.protectedPrincipalArns, (value) =>
      IAM_PRINCIPAL_ARN.test(value) ? undefined : 'is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)',
    ),
    jwksBucketArns: readList(get, CONTEXT_KEYS.jwksBucketArns, (value) =>
      S3_ARN.test(value) ? undefined : 'is not an S3 bucket or object ARN (arn:aws:s3:::<bucket>[/<prefix>])',
    ),
    keyDeletionWindowDays: readInteger(get, CONTEXT_KEYS.keyDeletionWindowDays, DEFAULT_SEVER_CONFIG.keyDeletionWindowDays, 7, 30),
    tracing: readBoolean(get, CONTEXT_KEYS.tracing, DEFAULT_SEVER_CONFIG.tracing),
    alarmEmails: readList(get, CONTEXT_KEYS.alarmEmails, (value) => (EMAIL.test(value) ? undefined : 'is not an email address')),
    reservedConcurrency: readBoolean(get, CONTEXT_KEYS.reservedConcurrency, DEFAULT_SEVER_CONFIG.reservedConcurrency),
    manageApiGatewayAccount: readBoolean(get, CONTEXT_KEYS.manageApiGatewayAccount, DEFAULT_SEVER_CONFIG.manageApiGatewayAccount),
    logRetentionDays: readRetention(get),
    webhookAllowedCidrs: readList(get, CONTEXT_KEYS.webhookAllowedCidrs, checkCidr),
  };
}

type Getter = (key: string) => unknown;

function invalid(key: string, detail: string): InfraError {
  return new InfraError('ERR_CONTEXT_INVALID', `CDK context "${key}" ${detail}`);
}

function readList(get: Getter, key: string, check: (value: string) => string | undefined): readonly string[] {
  const raw = get(key);
  if (raw === undefined || raw === null || raw === '') return [];
  let items: unknown;
  if (Array.isArray(raw)) {
    items = raw;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        throw invalid(key, `is not a valid JSON array: ${text}`);
      }
    } else {
      items = text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
    }
  } else {
    throw invalid(key, `must be a list of strings, got ${typeof raw}`);
  }
  if (!Array.isArray(items)) throw invalid(key, 'must be a list of strings');
  return items.map((item, index) => {
    if (typeof item !== 'string') throw invalid(key, `[${index}] must be a string, got ${typeof item}`);
    const problem = check(item);
    if (problem !== undefined) throw invalid(key, `[${index}] "${item}" ${problem}`);
    return item;
  });
}

function readBoolean(get: Getter, key: string, fallback: boolean): boolean {
  const raw = get(key);
  if (raw === undefined || raw === null) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw invalid(key, `must be true or false, got ${JSON.stringify(raw)}`);
}

function readInteger(get: Getter, key: string, fallback: number, min: number, max: number): number {
  const raw = get(key);
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function readRetention(get: Getter): number {
  const key = CONTEXT_KEYS.logRetentionDays;
  const value = readInteger(get, key, DEFAULT_SEVER_CONFIG.logRetentionDays, 1, 3653);
  if (!RETENTION_DAYS.has(value)) {
    throw invalid(key, `must be one of ${[...RETENTION_DAYS].join(', ')}, got ${value}`);
  }
  return value;
}

function checkCidr(value: string): string | undefined {
  const v4 = IPV4_CIDR.exec(value);
  if (v4 !== null) {
    const octets = v4.slice(1, 5).map(Number);
    const prefix = Number(v4[5]);
    return octets.every((octet) => octet <= 255) && prefix <= 32 ? undefined : 'is not a valid IPv4 CIDR';
  }
  const v6 = IPV6_CIDR.exec(value);
  if (v6 !== null && value.includes(':')) return Number(v6[1]) <= 128 ? undefined : 'is not a valid IPv6 CIDR';
  return 'is not a CIDR block (e.g. 203.0.113.0/24)';
}
