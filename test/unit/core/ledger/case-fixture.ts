import { GENESIS_HASH, sealEntry } from '../../../../lambda/core/ledger/chain.js';
import type { LedgerEntry, LedgerEntryInput } from '../../../../lambda/core/ledger/types.js';

/**
 * One revocation case as the pipeline records it: HR event, identity, plan, containment,
 * rotation (one step deferred), a token check, closure. Shared by the report, CLI and
 * browser tests.
 */

export const CASE_ID = 'case-7';
export const EMPLOYEE_ID = 'E1001';
export const USER_ARN = 'arn:aws:iam::111122223333:user/alice';
export const OLD_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-old';
export const NEW_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/2222bbbb-new';
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:jwt-signing-AbCdEf';
/** HR text an attacker could shape: the report must show it, never run it. */
export const HOSTILE_REASON = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true"> & "quotes"';

export interface TimedInput {
  readonly at: string;
  readonly input: LedgerEntryInput;
}

export const revocationCase = (options: { rotateSecretFails?: boolean } = {}): TimedInput[] => {
  const actor = { function: 'sever-revoke', requestId: 'lambda-req-1' };
  const base = { caseId: CASE_ID, employeeId: EMPLOYEE_ID, actor };
  const at = (time: string): string => `2025-03-01T${time}Z`;
  const entry = (time: string, input: Omit<LedgerEntryInput, 'caseId' | 'employeeId' | 'actor'>): TimedInput => ({
    at: at(time),
    input: { ...base, ...input },
  });
  const action = (
    time: string,
    type: 'action-started' | 'action-succeeded' | 'action-failed',
    resourceArn: string,
    data: Record<string, unknown>,
  ) => entry(time, { type, resourceArn, data });

  return [
    entry('09:00:01.250', {
      type: 'case-opened',
      data: {
        event: {
          source: 'hr.workday',
          'detail-type': 'Employee Terminated',
          time: '2025-03-01T09:00:00.900Z',
          detail: {
            eventId: 'evt-42',
            employeeId: EMPLOYEE_ID,
            email: 'alice@example.com',
            effectiveAt: '2025-03-01T09:00:00.000Z',
            terminationType: 'involuntary',
            reason: HOSTILE_REASON,
          },
        },
        receivedAt: '2025-03-01T09:00:01.200Z',
      },
    }),
    entry('09:00:01.400', { type: 'identity-resolved', data: { principals: [USER_ARN] } }),
    entry('09:00:01.600', { type: 'reach-computed', data: { reach: [{ resource: OLD_KEY_ARN, via: [USER_ARN] }] } }),
    entry('09:00:01.700', {
      type: 'plan-made',
      data: {
        actions: [
          { id: 's1', type: 'deactivate-access-key', target: 'AKIAALICE0000001' },
          { id: 's2', type: 'delete-login-profile', target: 'alice' },
          { id: 's3', type: 'create-replacement-key', target: OLD_KEY_ARN },
          { id: 's4', type: 'move-alias', target: 'alias/jwt-signing' },
          { id: 's5', type: 'schedule-key-deletion', target: OLD_KEY_ARN },
          { id: 's6', type: 'rotate-secret', target: SECRET_ARN },
        ],
      },
    }),
    action('09:00:01.800', 'action-started', USER_ARN, { actionId: 's1', actionType: 'deactivate-access-key', target: 'AKIAALICE0000001' }),
    action('09:00:02.000', 'action-succeeded', USER_ARN, {
      actionId: 's1',
      actionType: 'deactivate-access-key',
      target: 'AKIAALICE0000001',
      before: { status: 'Active' },
      after: { status: 'Inactive' },
      requestIds: ['iam-req-1'],
      durationMs: 180,
    }),
    action('09:00:02.100', 'action-started', USER_ARN, { actionId: 's2', actionType: 'delete-login-profile', target: 'alice' }),
    action('09:00:02.500', 'action-succeeded', USER_ARN, {
      actionId: 's2',
      actionType: 'delete-login-profile',
      target: 'alice',
      before: { loginProfile: true },
      after: { loginProfile: false },
      requestIds: ['iam-req-2'],
      durationMs: 350,
    }),
    action('09:00:02.600', 'action-started', OLD_KEY_ARN, { actionId: 's3', actionType: 'create-replacement-key', target: OLD_KEY_ARN }),
    action('09:00:04.000', 'action-succeeded', OLD_KEY_ARN, {
      actionId: 's3',
      actionType: 'create-replacement-key',
      target: OLD_KEY_ARN,
      before: { keyArn: OLD_KEY_ARN },
      after: { keyArn: NEW_KEY_ARN },
      requestIds: ['kms-req-1'],
      durationMs: 1350,
    }),
    action('09:00:04.100', 'action-started', OLD_KEY_ARN, { actionId: 's4', actionType: 'move-alias', target: 'alias/jwt-signing' }),
    action('09:00:04.500', 'action-succeeded', OLD_KEY_ARN, {
      actionId: 's4',
      actionType: 'move-alias',
      target: 'alias/jwt-signing',
      before: { targetKeyArn: OLD_KEY_ARN },
      after: { targetKeyArn: NEW_KEY_ARN },
      requestIds: ['kms-req-2'],
      durationMs: 380,
    }),
    entry('09:00:04.600', {
      type: 'step-deferred',
      resourceArn: OLD_KEY_ARN,
      data: { actionId: 's5', actionType: 'schedule-key-deletion', target: OLD_KEY_ARN, dueAt: '2025-03-08T09:00:00.000Z' },
    }),
    action('09:00:04.700', 'action-started', SECRET_ARN, { actionId: 's6', actionType: 'rotate-secret', target: SECRET_ARN }),
    options.rotateSecretFails === true
      ? action('09:00:05.000', 'action-failed', SECRET_ARN, {
          actionId: 's6',
          actionType: 'rotate-secret',
          target: SECRET_ARN,
          error: { code: 'ERR_ACCESS_DENIED', message: 'secretsmanager:RotateSecret denied' },
          durationMs: 300,
        })
      : action('09:00:05.000', 'action-succeeded', SECRET_ARN, {
          actionId: 's6',
          actionType: 'rotate-secret',
          target: SECRET_ARN,
          before: { version: 'v1' },
          after: { version: 'v2' },
          requestIds: ['sm-req-1'],
          durationMs: 300,
        }),
    entry('09:00:06.000', {
      type: 'token-check',
      resourceArn: OLD_KEY_ARN,
      data: { kid: 'kid-old-1', keyArn: OLD_KEY_ARN, outcome: 'rejected', code: 'ERR_JWKS_NO_MATCHING_KEY' },
    }),
    entry('09:00:06.200', { type: 'case-closed', data: { status: options.rotateSecretFails === true ? 'failed' : 'scheduled' } }),
  ];
};

/** The case sealed into a chain without any storage. */
export const sealCase = (timed: readonly TimedInput[]): LedgerEntry[] => {
  const entries: LedgerEntry[] = [];
  for (const [index, { at, input }] of timed.entries()) {
    entries.push(sealEntry(input, { seq: index + 1, at, prevHash: entries.at(-1)?.hash ?? GENESIS_HASH }));
  }
  return entries;
};
