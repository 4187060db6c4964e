import { createHash } from 'node:crypto';
import { PortError } from '../errors.js';
import { QUARANTINE_POLICY, QUARANTINE_POLICY_NAME } from '../plan/session-policies.js';
import type { PlannedStep } from '../plan/steps.js';
import type { CallRecord } from '../ports.js';
import { TokensError } from '../tokens/errors.js';
import { publicJwkFromSpki } from '../tokens/jwk.js';
import { parseJwksLocation } from '../tokens/jwks-location.js';
import type { CasePorts } from './ports.js';

/** What one step did, as recorded in the ledger. */
export interface StepEffect {
  readonly before?: Readonly<Record<string, unknown>>;
  readonly after?: Readonly<Record<string, unknown>>;
  /** Values later steps need (the replacement key's id, a kid …). */
  readonly result?: Readonly<Record<string, unknown>>;
  readonly requestIds: readonly string[];
}

/** Results of earlier steps of the same case, by step id. */
export type StepResults = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

interface StepContext {
  readonly ports: CasePorts;
  readonly caseId: string;
  readonly results: StepResults;
  /** The step was started before and never recorded as finished: a crash or timeout. */
  readonly resumed: boolean;
}

/** Performs one step through the ports. Throws `PortError` on failure. */
export async function runStep(step: PlannedStep, context: StepContext): Promise<StepEffect> {
  const { ports } = context;
  const ids = (...calls: CallRecord[]) => calls.flatMap((c) => (c.requestId ? [c.requestId] : []));
  switch (step.type) {
    case 'attach-quarantine-policy': {
      const call = await ports.credentials.putUserPolicy(step.userName, QUARANTINE_POLICY_NAME, QUARANTINE_POLICY);
      return { after: { inlinePolicy: QUARANTINE_POLICY_NAME }, requestIds: ids(call) };
    }
    case 'deactivate-access-key': {
      const call = await ports.credentials.updateAccessKey(step.userName, step.accessKeyId, 'Inactive');
      return { before: { status: 'Active' }, after: { status: 'Inactive' }, requestIds: ids(call) };
    }
    case 'delete-access-key': {
      const call = await ports.credentials.deleteAccessKey(step.userName, step.accessKeyId);
      return { before: { status: 'Inactive' }, after: { status: 'Deleted' }, requestIds: ids(call) };
    }
    case 'delete-login-profile': {
      const call = await ports.credentials.deleteLoginProfile(step.userName);
      return { before: { loginProfile: true }, after: { loginProfile: false }, requestIds: ids(call) };
    }
    case 'delete-ssh-public-key':
      return deleted(await ports.credentials.deleteSshPublicKey(step.userName, step.sshPublicKeyId));
    case 'delete-signing-certificate':
      return deleted(await ports.credentials.deleteSigningCertificate(step.userName, step.certificateId));
    case 'delete-service-specific-credential':
      return deleted(await ports.credentials.deleteServiceSpecificCredential(step.userName, step.serviceSpecificCredentialId));
    case 'deactivate-mfa-device': {
      const call = await ports.credentials.deactivateMfaDevice(step.userName, step.serialNumber);
      return { before: { enabledFor: step.userName }, after: { enabledFor: null }, requestIds: ids(call) };
    }
    case 'delete-virtual-mfa-device':
      return deleted(await ports.credentials.deleteVirtualMfaDevice(step.serialNumber));
    case 'remove-user-from-group': {
      const call = await ports.credentials.removeUserFromGroup(step.userName, step.groupName);
      return { before: { member: true }, after: { member: false }, requestIds: ids(call) };
    }
    case 'delete-user':
      return deleted(await ports.credentials.deleteUser(step.userName));
    case 'deny-role-sessions': {
      const call = await ports.sessions.putRolePolicy(step.roleName, step.policyName, step.policy);
      return { after: { inlinePolicy: step.policyName }, requestIds: ids(call) };
    }
    case 'create-replacement-key':
      return createReplacementKey(step, context);
    case 'publish-public-key': {
      const replacement = resultOf(context, step.dependsOn[0], 'keyId');
      const publicKey = await ports.keys.getPublicKey(replacement);
      const jwk = await publicJwkFromSpki(publicKey.publicKey);
      const change = await conflictsRetryable(() => ports.jwks.publish(parseJwksLocation(step.jwksLocation), jwk));
      return {
        after: { kid: jwk.kid, jwksVersion: change.version },
        result: { kid: jwk.kid },
        requestIds: ids(publicKey, change),
      };
    }
    case 'move-alias': {
      const replacementArn = resultOf(context, step.dependsOn[0], 'keyArn');
      const call = await ports.keys.updateAlias(step.aliasName, resultOf(context, step.dependsOn[0], 'keyId'));
      return { before: { targetKeyArn: step.oldKeyArn }, after: { targetKeyArn: replacementArn }, requestIds: ids(call) };
    }
    case 'revoke-grant':
      return {
        before: { grantId: step.grantId },
        after: { grantId: null },
        requestIds: ids(await ports.keys.revokeGrant(step.keyArn, step.grantId)),
      };
    case 'revoke-key-id': {
      const kid = resultOf(context, step.dependsOn[0], 'oldKid');
      const write = await ports.registry.revokeKid(kid, { revokedAt: ports.clock.now(), caseId: context.caseId, keyArn: step.keyArn });
      return { after: { kid, revoked: true }, result: { kid }, requestIds: ids(write) };
    }
    case 'unpublish-public-key': {
      const kid = resultOf(context, step.dependsOn[0], 'oldKid');
      const change = await conflictsRetryable(() => ports.jwks.remove(parseJwksLocation(step.jwksLocation), kid));
      return { before: { kid }, after: { kid: null, jwksVersion: change.version }, requestIds: ids(change) };
    }
    case 'disable-key': {
      const call = await ports.keys.disableKey(step.keyArn);
      return { before: { keyState: 'Enabled' }, after: { keyState: 'Disabled' }, requestIds: ids(call) };
    }
    case 'schedule-key-deletion': {
      const call = await ports.keys.scheduleKeyDeletion(step.keyArn, step.pendingWindowInDays);
      return {
        before: { keyState: 'Disabled' },
        after: { keyState: 'PendingDeletion', deletionDate: call.deletionDate ?? null },
        requestIds: ids(call),
      };
    }
    case 'rotate-secret': {
      const call = await ports.storedKeys.rotateSecret(step.secretArn, rotationToken(step.id));
      return { after: { rotation: call.status }, requestIds: ids(call) };
    }
    case 'rotate-parameter': {
      const call = await ports.storedKeys.rotateParameter(step.parameterName, step.id);
      return { after: { version: call.version }, requestIds: ids(call) };
    }
    case 'revoke-subject': {
      const write = await ports.registry.revokeSubject(step.subject, { notBefore: new Date(step.issuedBefore), caseId: context.caseId });
      return { after: { subject: step.subject, issuedBefore: step.issuedBefore }, requestIds: ids(write) };
    }
  }
}

async function createReplacementKey(
  step: Extract<PlannedStep, { type: 'create-replacement-key' }>,
  context: StepContext,
): Promise<StepEffect> {
  const { keys } = context.ports;
  // Read the old key's kid now: once the key is disabled KMS refuses GetPublicKey.
  const oldPublic = step.keyUsage === 'SIGN_VERIFY' ? await keys.getPublicKey(step.oldKeyArn) : undefined;
  const oldKid = oldPublic ? (await publicJwkFromSpki(oldPublic.publicKey)).kid : undefined;
  const provenance = { 'sever:step-id': stepTag(step.id) };
  const existing = context.resumed ? await keys.findKeyByTag('sever:step-id', stepTag(step.id)) : undefined;
  const created =
    existing ??
    (await keys.createKey({
      keySpec: step.keySpec,
      keyUsage: step.keyUsage,
      policy: step.policy,
      description: step.description,
      tags: { ...step.tags, ...provenance },
    }));
  return {
    before: { keyArn: step.oldKeyArn },
    after: { keyArn: created.keyArn, reusedAfterCrash: existing !== undefined },
    result: { keyArn: created.keyArn, keyId: created.keyId, ...(oldKid ? { oldKid } : {}) },
    requestIds: [oldPublic?.requestId, 'requestId' in created ? created.requestId : undefined].filter(
      (id): id is string => typeof id === 'string',
    ),
  };
}

/** A JWKS that kept changing under the publisher is a conflict like any other: retry it later. */
async function conflictsRetryable<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof TokensError && error.code === 'ERR_JWKS_CONFLICT') throw new PortError('ERR_CONFLICT', error.message);
    throw error;
  }
}

function deleted(call: CallRecord): StepEffect {
  return { after: { deleted: true }, requestIds: call.requestId ? [call.requestId] : [] };
}

function resultOf(context: StepContext, stepId: string | undefined, field: string): string {
  const value = stepId ? context.results.get(stepId)?.[field] : undefined;
  if (typeof value !== 'string') {
    throw new Error(`step ${stepId ?? '(none)'} has no recorded ${field}; it must succeed first`);
  }
  return value;
}

/** KMS tag values are limited to 256 characters; a digest keeps the tag short and unique. */
function stepTag(stepId: string): string {
  return createHash('sha256').update(stepId).digest('hex').slice(0, 32);
}

/** Secrets Manager wants 32–64 characters; the same step always sends the same token. */
function rotationToken(stepId: string): string {
  return createHash('sha256').update(stepId).digest('hex').slice(0, 64);
}
