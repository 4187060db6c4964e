import { createHash } from 'node:crypto';
import type { TerminationEvent } from '../events/termination.js';
import type { AccountSnapshot, IamUser, KmsKey } from '../snapshot/model.js';
import { withoutPrincipals } from './key-policy.js';
import { BLANKET_REVOCATION_POLICY_NAME, blanketSessionDeny, targetedSessionDeny } from './session-policies.js';
import type { Plan, PlannedStep, StepSpec } from './steps.js';

/** What the planner needs from reach analysis (a subset of the `sever plan --json` report). */
export interface ReachSummary {
  readonly principals: readonly string[];
  readonly reachablePrincipals: readonly {
    readonly arn: string;
    /** The witness path by which the engineer can become this principal. */
    readonly path: readonly { readonly to: string; readonly via: string }[];
  }[];
  readonly reach: readonly { readonly resourceArn: string; readonly kind: string; readonly access: string }[];
}

export interface PlanConfig {
  /** Principals that only ever get a targeted deny: break-glass roles, Sever's own roles. */
  readonly protectedPrincipalArns: readonly string[];
  /** IAM path under which Sever's own roles live; never touched. @default '/sever/' */
  readonly selfPath: string;
  /** Delete the engineer's IAM users after containment. @default false (keep evidence) */
  readonly deleteUsers: boolean;
  /** KMS ScheduleKeyDeletion window, 7–30. @default 30 */
  readonly keyDeletionWindowDays: number;
  /** Grace before an old key is disabled when the key has no `sever:grace-seconds` tag. @default 900 */
  readonly defaultGraceSeconds: number;
}

export const DEFAULT_PLAN_CONFIG: PlanConfig = {
  protectedPrincipalArns: [],
  selfPath: '/sever/',
  deleteUsers: false,
  keyDeletionWindowDays: 30,
  defaultGraceSeconds: 900,
};

export const GRACE_TAG = 'sever:grace-seconds';
export const JWKS_TAG = 'sever:jwks';
export const REPLACES_TAG = 'sever:replaces';
/** On a machine user: the access key ids its owning system issued, space- or comma-separated. */
export const KNOWN_ACCESS_KEYS_TAG = 'sever:known-access-keys';

/** One case per HR event: a retried or duplicated event lands in the same case. */
export function caseIdFor(event: TerminationEvent): string {
  const digest = createHash('sha256').update(`${event.source}\n${event.detail.eventId}`).digest('hex');
  return `case-${digest.slice(0, 20)}`;
}

/**
 * Turns reach into an ordered plan: contain the engineer's users, deny their sessions on every
 * role they could assume, rotate every reachable key, revoke their tokens. Pure: the same inputs
 * always give the same plan, which is what makes re-running a case safe.
 *
 * @example
 * const plan = buildPlan({ snapshot, reach, event, now: clock.now(), config: DEFAULT_PLAN_CONFIG });
 */
export function buildPlan(input: {
  readonly snapshot: AccountSnapshot;
  readonly reach: ReachSummary;
  readonly event: TerminationEvent;
  readonly now: Date;
  readonly config: PlanConfig;
}): Plan {
  const { snapshot, reach, event, now, config } = input;
  const caseId = caseIdFor(event);
  const steps: PlannedStep[] = [];
  const skipped: { target: string; reason: string }[] = [];
  const isProtected = (arn: string) => config.protectedPrincipalArns.includes(arn);
  const add = (spec: StepSpec, target: string, reason: string, extra: Partial<PlannedStep> = {}): string => {
    const id = `${caseId}/${spec.type}/${target}`;
    steps.push({ ...spec, id, target, dependsOn: [], reason, ...extra } as PlannedStep);
    return id;
  };
  const cutOff = now.toISOString();
  const hostile = event.detail.terminationType === 'hostile';

  const ownUsers = snapshot.users.filter((user) => reach.principals.includes(user.arn));
  for (const user of ownUsers) {
    if (isProtected(user.arn) || user.path.startsWith(config.selfPath)) {
      skipped.push({ target: user.arn, reason: 'protected principal: Sever never locks it; resolve by hand' });
      continue;
    }
    planContainment(user, snapshot, config, add);
  }

  planMintedAccessKeys({ snapshot, reach, ownUsers, isProtected, skipped }, add);

  const identities = sessionIdentities(event, ownUsers);
  // Thousands of reachable principals against thousands of roles: look them up by ARN.
  const roleByArn = new Map(snapshot.roles.map((role) => [role.arn, role]));
  const roles = reach.reachablePrincipals.map((p) => roleByArn.get(p.arn)).filter((role) => role !== undefined);
  for (const role of roles) {
    if (role.serviceLinked) {
      skipped.push({ target: role.arn, reason: 'service-linked role: AWS owns it and it cannot be changed' });
      continue;
    }
    if (role.path.startsWith(config.selfPath)) {
      skipped.push({ target: role.arn, reason: "Sever's own role: never modified by Sever" });
      continue;
    }
    add(
      {
        type: 'deny-role-sessions',
        roleName: role.name,
        policyName: `SeverRevoke-${event.detail.employeeId}`,
        policy: targetedSessionDeny(identities, cutOff),
      },
      role.arn,
      'the engineer could assume this role; deny their sessions issued before the cut-off',
    );
    if (hostile && !isProtected(role.arn)) {
      add(
        { type: 'deny-role-sessions', roleName: role.name, policyName: BLANKET_REVOCATION_POLICY_NAME, policy: blanketSessionDeny(cutOff) },
        `${role.arn}#all-sessions`,
        'hostile termination: deny every session of this role issued before the cut-off',
      );
    } else if (hostile) {
      skipped.push({ target: role.arn, reason: 'protected principal: targeted deny only, no blanket session revocation' });
    }
  }

  const keyArns = new Set(reach.reach.filter((r) => r.kind === 'kms-sign' || r.kind === 'kms-mac').map((r) => r.resourceArn));
  for (const key of snapshot.kmsKeys) {
    if (!keyArns.has(key.arn)) continue;
    if (key.keyManager !== 'CUSTOMER' || key.keyState !== 'Enabled') {
      skipped.push({ target: key.arn, reason: `key is ${key.keyManager}-managed in state ${key.keyState}: nothing to rotate` });
      continue;
    }
    planKeyRotation(key, { caseId, hostile, now, config, principals: reach.principals }, add);
  }

  const principalSet = new Set(reach.principals);
  for (const key of snapshot.kmsKeys) {
    if (keyArns.has(key.arn)) continue;
    for (const grant of key.grants.filter((g) => principalSet.has(g.granteePrincipal))) {
      add(
        { type: 'revoke-grant', keyArn: key.arn, grantId: grant.grantId },
        `${key.arn}#grant/${grant.grantId}`,
        'a grant to the engineer on a key that stays',
      );
    }
  }

  const parameterByArn = new Map(snapshot.parameters.map((p) => [p.arn, p]));
  for (const entry of reach.reach) {
    if (entry.kind === 'secret') {
      add(
        { type: 'rotate-secret', secretArn: entry.resourceArn },
        entry.resourceArn,
        `the engineer could ${entry.access} this signing secret`,
      );
    } else if (entry.kind === 'ssm-parameter') {
      const parameter = parameterByArn.get(entry.resourceArn);
      if (parameter) {
        add(
          { type: 'rotate-parameter', parameterName: parameter.name, parameterArn: parameter.arn },
          parameter.arn,
          `the engineer could ${entry.access} this signing parameter`,
        );
      }
    }
  }

  for (const subject of [event.detail.employeeId, event.detail.email]) {
    add(
      { type: 'revoke-subject', subject, issuedBefore: cutOff },
      `sub:${subject}`,
      'tokens issued to the engineer before the cut-off stop verifying',
    );
  }

  return { caseId, employeeId: event.detail.employeeId, steps: dedupe(steps), skipped };
}

type AddStep = (spec: StepSpec, target: string, reason: string, extra?: Partial<PlannedStep>) => string;

/**
 * IAM's own order: DeleteUser fails while any credential, MFA device, group membership or
 * inline policy remains, so cleanup runs after the steps that stop use at once.
 */
function planContainment(user: IamUser, snapshot: AccountSnapshot, config: PlanConfig, add: AddStep): void {
  const u = user.name;
  const creds = snapshot.credentials.get(u);
  add({ type: 'attach-quarantine-policy', userName: u }, user.arn, 'deny-all on the user stops every console and API call at once');
  for (const key of (creds?.accessKeys ?? []).filter((k) => k.status === 'Active')) {
    add({ type: 'deactivate-access-key', userName: u, accessKeyId: key.accessKeyId }, key.accessKeyId, 'access key of the engineer');
  }
  if (creds?.loginProfile)
    add({ type: 'delete-login-profile', userName: u }, `${user.arn}#login-profile`, 'console password of the engineer');
  for (const key of creds?.accessKeys ?? []) {
    add(
      { type: 'delete-access-key', userName: u, accessKeyId: key.accessKeyId },
      `${key.accessKeyId}#delete`,
      'deactivated first; deleted so it can never be re-enabled',
    );
  }
  for (const key of creds?.sshPublicKeys ?? []) {
    add({ type: 'delete-ssh-public-key', userName: u, sshPublicKeyId: key.sshPublicKeyId }, key.sshPublicKeyId, 'SSH key for CodeCommit');
  }
  for (const cert of creds?.signingCertificates ?? []) {
    add(
      { type: 'delete-signing-certificate', userName: u, certificateId: cert.certificateId },
      cert.certificateId,
      'X.509 signing certificate',
    );
  }
  for (const cred of creds?.serviceSpecificCredentials ?? []) {
    add(
      { type: 'delete-service-specific-credential', userName: u, serviceSpecificCredentialId: cred.serviceSpecificCredentialId },
      cred.serviceSpecificCredentialId,
      `service-specific credential for ${cred.serviceName}`,
    );
  }
  for (const device of creds?.mfaDevices ?? []) {
    add(
      { type: 'deactivate-mfa-device', userName: u, serialNumber: device.serialNumber },
      device.serialNumber,
      'MFA device of the engineer',
    );
    if (device.serialNumber.includes(':mfa/')) {
      add(
        { type: 'delete-virtual-mfa-device', serialNumber: device.serialNumber },
        `${device.serialNumber}#delete`,
        'virtual MFA device, deactivated first',
      );
    }
  }
  for (const group of user.groupNames) {
    add(
      { type: 'remove-user-from-group', userName: u, groupName: group },
      `${user.arn}#group/${group}`,
      'group membership grants permissions',
    );
  }
  if (config.deleteUsers) add({ type: 'delete-user', userName: u }, `${user.arn}#delete`, 'configured to delete users after containment');
}

/**
 * An engineer who could call iam:CreateAccessKey on another user may have minted a key for it and
 * kept it. Keys created during their tenure that the owning system does not list are deactivated
 * (not deleted: the owner decides); the others are reported, not touched.
 */
function planMintedAccessKeys(
  context: {
    snapshot: AccountSnapshot;
    reach: ReachSummary;
    ownUsers: readonly IamUser[];
    isProtected: (arn: string) => boolean;
    skipped: { target: string; reason: string }[];
  },
  add: AddStep,
): void {
  const { snapshot, reach, ownUsers, isProtected, skipped } = context;
  const joined = ownUsers.map((u) => (u.createDate ? Date.parse(u.createDate) : Number.NaN)).filter((t) => !Number.isNaN(t));
  // Without a known start, every key counts as minted during the tenure: fail closed.
  const tenureStart = joined.length > 0 ? Math.min(...joined) : Number.NEGATIVE_INFINITY;
  const userByArn = new Map(snapshot.users.map((u) => [u.arn, u]));
  for (const principal of reach.reachablePrincipals) {
    const minted = principal.path.some((step) => step.to === principal.arn && step.via.split('+').includes('iam:CreateAccessKey'));
    const user = userByArn.get(principal.arn);
    if (!minted || !user || ownUsers.includes(user)) continue;
    const known = new Set((user.tags[KNOWN_ACCESS_KEYS_TAG] ?? '').split(/[\s,]+/).filter(Boolean));
    for (const key of snapshot.credentials.get(user.name)?.accessKeys ?? []) {
      if (key.status !== 'Active') continue;
      const created = key.createDate ? Date.parse(key.createDate) : Number.POSITIVE_INFINITY;
      if (isProtected(user.arn)) {
        skipped.push({ target: key.accessKeyId, reason: `access key of protected ${user.arn}: review by hand` });
      } else if (known.has(key.accessKeyId)) {
        skipped.push({ target: key.accessKeyId, reason: `listed by ${user.name}'s owning system (${KNOWN_ACCESS_KEYS_TAG}): left active` });
      } else if (created < tenureStart) {
        skipped.push({ target: key.accessKeyId, reason: `created before the engineer joined: left active, reported` });
      } else {
        add(
          { type: 'deactivate-access-key', userName: user.name, accessKeyId: key.accessKeyId },
          key.accessKeyId,
          `the engineer could mint access keys for ${user.name}; this one dates from their tenure and its owner does not list it`,
        );
      }
    }
  }
}

function planKeyRotation(
  key: KmsKey,
  context: { caseId: string; hostile: boolean; now: Date; config: PlanConfig; principals: readonly string[] },
  add: AddStep,
): void {
  const { hostile, now, config, principals, caseId } = context;
  const graceSeconds = hostile ? 0 : graceOf(key, config);
  const due = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  const deferred = graceSeconds > 0 ? { notBefore: due } : {};
  const jwks = key.keyUsage === 'SIGN_VERIFY' ? key.tags[JWKS_TAG] : undefined;

  const create = add(
    {
      type: 'create-replacement-key',
      oldKeyArn: key.arn,
      keySpec: key.keySpec,
      keyUsage: key.keyUsage,
      description: key.description,
      policy: withoutPrincipals(key.policyText, principals),
      tags: { ...key.tags, [REPLACES_TAG]: key.arn, 'sever:case-id': caseId },
    },
    key.arn,
    'KMS cannot rotate asymmetric or HMAC keys: a new key takes its place',
  );
  const published = jwks
    ? add(
        { type: 'publish-public-key', oldKeyArn: key.arn, jwksLocation: jwks },
        `${key.arn}#publish`,
        'verifiers must know the new key before anything signs with it',
        { dependsOn: [create] },
      )
    : undefined;
  const moves = key.aliases.map((alias) =>
    add(
      { type: 'move-alias', oldKeyArn: key.arn, aliasName: alias.aliasName },
      alias.aliasName,
      'signers follow the alias to the new key',
      {
        dependsOn: published ? [create, published] : [create],
      },
    ),
  );
  for (const grant of key.grants) {
    add(
      { type: 'revoke-grant', keyArn: key.arn, grantId: grant.grantId },
      `${key.arn}#grant/${grant.grantId}`,
      'grants on the old key outlive policy changes',
    );
  }
  const afterMoves = [create, ...moves];
  if (key.keyUsage === 'SIGN_VERIFY') {
    add({ type: 'revoke-key-id', keyArn: key.arn }, `${key.arn}#revoke-kid`, 'tokens signed with the old key stop verifying', {
      ...deferred,
      dependsOn: afterMoves,
    });
  }
  if (jwks) {
    add(
      { type: 'unpublish-public-key', keyArn: key.arn, jwksLocation: jwks },
      `${key.arn}#unpublish`,
      'verifiers stop trusting the old key',
      { ...deferred, dependsOn: afterMoves },
    );
  }
  const disable = add(
    { type: 'disable-key', keyArn: key.arn },
    `${key.arn}#disable`,
    graceSeconds ? `grace of ${graceSeconds}s for in-flight signers` : 'hostile: no grace',
    { ...deferred, dependsOn: afterMoves },
  );
  add(
    { type: 'schedule-key-deletion', keyArn: key.arn, pendingWindowInDays: config.keyDeletionWindowDays },
    `${key.arn}#schedule-deletion`,
    `old key material is destroyed after ${config.keyDeletionWindowDays} days`,
    { ...deferred, dependsOn: [disable] },
  );
}

function graceOf(key: KmsKey, config: PlanConfig): number {
  const tagged = key.tags[GRACE_TAG];
  if (tagged === undefined) return config.defaultGraceSeconds;
  const seconds = /^\d+$/.test(tagged.trim()) ? Number(tagged) : Number.NaN;
  // A malformed tag must not stretch the window: fall back to the (short) default.
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= 86_400 ? seconds : config.defaultGraceSeconds;
}

/** The names a departing engineer's role sessions and source identity may carry. */
function sessionIdentities(event: TerminationEvent, users: readonly IamUser[]): string[] {
  const email = event.detail.email;
  return [event.detail.employeeId, email, email.split('@')[0] ?? email, ...users.map((u) => u.name)];
}

/** A grant can be both on a rotated key and granted to the engineer: one revocation is enough. */
function dedupe(steps: readonly PlannedStep[]): PlannedStep[] {
  const byId = new Map<string, PlannedStep>();
  for (const step of steps) if (!byId.has(step.id)) byId.set(step.id, step);
  return [...byId.values()];
}
