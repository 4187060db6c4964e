import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, DEFAULT_SEVER_CONFIG, readSeverConfig } from '../../lib/config.js';
import { InfraError } from '../../lib/errors.js';
import { cdkJsonContext } from './helpers.js';

const read = (context: Record<string, unknown>) => readSeverConfig(new App({ context }).node);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof InfraError ? error.code : `not an InfraError: ${String(error)}`;
  }
  return undefined;
}

describe('Function: readSeverConfig', () => {
  it('returns the defaults when no sever:* context is set', () => {
    // Act
    const config = read({});

    // Assess
    expect(config).toEqual(DEFAULT_SEVER_CONFIG);
  });

  it('accepts the values committed in cdk.json', () => {
    // Act
    const config = read(cdkJsonContext());

    // Assess
    expect(config).toEqual(DEFAULT_SEVER_CONFIG);
  });

  it('reads lists given as arrays, JSON strings and comma-separated strings', () => {
    // Prepare
    const context = {
      [CONTEXT_KEYS.protectedPrincipalArns]: ['arn:aws:iam::123456789012:role/BreakGlass'],
      [CONTEXT_KEYS.jwksBucketArns]: '["arn:aws:s3:::acme-jwks","arn:aws:s3:::other/jwks/*"]',
      [CONTEXT_KEYS.alarmEmails]: 'sec@example.com, oncall@example.com',
    };

    // Act
    const config = read(context);

    // Assess
    expect(config.protectedPrincipalArns).toEqual(['arn:aws:iam::123456789012:role/BreakGlass']);
    expect(config.jwksBucketArns).toEqual(['arn:aws:s3:::acme-jwks', 'arn:aws:s3:::other/jwks/*']);
    expect(config.alarmEmails).toEqual(['sec@example.com', 'oncall@example.com']);
  });

  it('reads booleans and numbers given as strings on the command line', () => {
    // Prepare
    const context = {
      [CONTEXT_KEYS.tracing]: 'true',
      [CONTEXT_KEYS.reservedConcurrency]: 'false',
      [CONTEXT_KEYS.keyDeletionWindowDays]: '7',
      [CONTEXT_KEYS.logRetentionDays]: '731',
    };

    // Act
    const config = read(context);

    // Assess
    expect(config.tracing).toBe(true);
    expect(config.reservedConcurrency).toBe(false);
    expect(config.keyDeletionWindowDays).toBe(7);
    expect(config.logRetentionDays).toBe(731);
  });

  it.each([
    [CONTEXT_KEYS.protectedPrincipalArns, ['arn:aws:s3:::not-a-principal']],
    [CONTEXT_KEYS.protectedPrincipalArns, 'not json ['],
    [CONTEXT_KEYS.protectedPrincipalArns, 42],
    [CONTEXT_KEYS.jwksBucketArns, ['s3://acme-jwks/jwks.json']],
    [CONTEXT_KEYS.keyDeletionWindowDays, 6],
    [CONTEXT_KEYS.keyDeletionWindowDays, '31'],
    [CONTEXT_KEYS.keyDeletionWindowDays, 7.5],
    [CONTEXT_KEYS.tracing, 'yes'],
    [CONTEXT_KEYS.logRetentionDays, 100],
    [CONTEXT_KEYS.alarmEmails, ['not-an-email']],
    [CONTEXT_KEYS.webhookAllowedCidrs, ['203.0.113.0/33']],
    [CONTEXT_KEYS.webhookAllowedCidrs, ['300.0.113.0/24']],
    [CONTEXT_KEYS.webhookAllowedCidrs, ['example.com']],
  ])('rejects %s = %j with ERR_CONTEXT_INVALID', (key, value) => {
    // Act
    const code = codeOf(() => read({ [key]: value }));

    // Assess
    expect(code).toBe('ERR_CONTEXT_INVALID');
  });

  it('names the key and the offending entry in the message', () => {
    // Prepare
    const context = {
      [CONTEXT_KEYS.protectedPrincipalArns]: ['arn:aws:iam::123456789012:role/Ok', 'arn:aws:iam::bad'],
    };

    // Act
    const act = () => read(context);

    // Assess
    expect(act).toThrow(/"sever:protectedPrincipalArns" \[1\] "arn:aws:iam::bad"/);
  });

  it('accepts IPv4 and IPv6 CIDRs for the webhook allow-list', () => {
    // Act
    const config = read({ [CONTEXT_KEYS.webhookAllowedCidrs]: ['203.0.113.0/24', '2001:db8::/32'] });

    // Assess
    expect(config.webhookAllowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });
});
