import { describe, expect, it } from 'vitest';
import type { TerminationEvent } from '../../../../lambda/core/events/termination.js';
import { buildPlan, caseIdFor, DEFAULT_PLAN_CONFIG, type PlanConfig, type ReachSummary } from '../../../../lambda/core/plan/build-plan.js';
import { withoutPrincipals } from '../../../../lambda/core/plan/key-policy.js';
import { BLANKET_REVOCATION_POLICY_NAME, blanketSessionDeny, targetedSessionDeny } from '../../../../lambda/core/plan/session-policies.js';
import type { Plan, PlannedStep, StepType } from '../../../../lambda/core/plan/steps.js';
import { computeReach } from '../../../../lambda/core/reach/compute-reach.js';
import { SNAPSHOT_FILES, type SnapshotFiles } from '../../../../lambda/core/snapshot/parse.js';
import {
  AUTH_DEPLOYER_ARN,
  AUTH_KEY_ARN,
  CI_BOT_ARN,
  DATA_KEY_ARN,
  EMAIL,
  EMPLOYEE_ID,
  editFile,
  LEGACY_SECRET_ARN,
  MALLORY_ARN,
  malloryEvent,
  PAYMENTS_KEY_ARN,
  REFRESH_PARAMETER_ARN,
  RELEASE_KEY_ARN,
  SESSION_MAC_KEY_ARN,
  SUPPORT_SLR_ARN,
  sampleOrgFiles,
  sampleSnapshot,
  TOKEN_ADMIN_ARN,
  WEBHOOK_GRANT_ID,
  WEBHOOK_KEY_ARN,
} from '../../../fixtures/pipeline/sample-org.js';

const NOW = new Date('2026-11-29T09:00:05.000Z');
const CUT_OFF = NOW.toISOString();
const inSeconds = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString();
const KMS = SNAPSHOT_FILES.kmsKeys;
const AUTH = SNAPSHOT_FILES.authorization;
const SEVER_ROLE_ARN = 'arn:aws:iam::111122223333:role/sever/sever-revoke';

/** The sample org with mallory also allowed to sign with the release key directly. */
const releaseReachable = (files: SnapshotFiles = sampleOrgFiles()): SnapshotFiles =>
  editFile(files, AUTH, (json) => {
    json.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement.push({
      Sid: 'SignReleases',
      Effect: 'Allow',
      Action: 'kms:Sign',
      Resource: RELEASE_KEY_ARN,
    });
  });

interface PlanOptions {
  readonly files?: SnapshotFiles;
  readonly event?: TerminationEvent;
  readonly config?: Partial<PlanConfig>;
  readonly employeeId?: string;
  /** Edits the reach report before planning (for principals the sample org cannot reach). */
  readonly reach?: (reach: ReachSummary) => ReachSummary;
}

const SAMPLE_FILES = sampleOrgFiles();
const RELEASE_FILES = releaseReachable();
// Parsing and reach analysis are pure; sharing a snapshot between tests only saves time
// (reach analysis caches its engine per snapshot object).
const parsed = new WeakMap<SnapshotFiles, ReturnType<typeof sampleSnapshot>>();
const snapshotOf = (files: SnapshotFiles) => {
  let snapshot = parsed.get(files);
  if (snapshot === undefined) {
    snapshot = sampleSnapshot(files);
    parsed.set(files, snapshot);
  }
  return snapshot;
};

/** Plans the sample org exactly as the pipeline does: parse, compute reach, plan. */
function planFor(options: PlanOptions = {}): Plan {
  const snapshot = snapshotOf(options.files ?? SAMPLE_FILES);
  const computed = computeReach(snapshot, options.employeeId ?? EMPLOYEE_ID);
  return buildPlan({
    snapshot,
    reach: options.reach ? options.reach(computed) : computed,
    event: options.event ?? malloryEvent(),
    now: NOW,
    config: { ...DEFAULT_PLAN_CONFIG, ...options.config },
  });
}

const stepsOf = (plan: Plan, type: StepType): PlannedStep[] => plan.steps.filter((s) => s.type === type);
const indexOf = (plan: Plan, type: StepType, target: string): number => {
  const index = plan.steps.findIndex((s) => s.type === type && s.target === target);
  if (index < 0) throw new Error(`no ${type} step for ${target}`);
  return index;
};
const step = (plan: Plan, type: StepType, target: string): PlannedStep => plan.steps[indexOf(plan, type, target)] as PlannedStep;
const idOf = (plan: Plan, type: StepType, target: string): string => step(plan, type, target).id;
const targetsOf = (plan: Plan, type: StepType): string[] => stepsOf(plan, type).map((s) => s.target);

/** Steps that contain mallory's own user (not keys minted for other users). */
const ownContainment = (plan: Plan): PlannedStep[] =>
  plan.steps.filter(
    (s) => CONTAINMENT.includes(s.type) && (('userName' in s && s.userName === 'mallory') || s.type === 'delete-virtual-mfa-device'),
  );

const CONTAINMENT: readonly StepType[] = [
  'attach-quarantine-policy',
  'deactivate-access-key',
  'delete-login-profile',
  'delete-access-key',
  'delete-ssh-public-key',
  'delete-signing-certificate',
  'delete-service-specific-credential',
  'deactivate-mfa-device',
  'delete-virtual-mfa-device',
  'remove-user-from-group',
  'delete-user',
];

describe('Function: caseIdFor', () => {
  it('is stable for the same event', () => {
    // Act
    const first = caseIdFor(malloryEvent());
    const second = caseIdFor(malloryEvent({ reason: 'edited free text' }));

    // Assess
    expect(first).toMatch(/^case-[0-9a-f]{20}$/);
    expect(second).toBe(first);
  });

  it('differs for another HR event id', () => {
    // Act
    const first = caseIdFor(malloryEvent());
    const other = caseIdFor(malloryEvent({ eventId: 'WD-2026-11-29-0099' }));

    // Assess
    expect(other).not.toBe(first);
  });

  it('differs for the same event id from another HR system', () => {
    // Prepare
    const event = malloryEvent();

    // Act
    const other = caseIdFor({ ...event, source: 'hr.bamboo' });

    // Assess
    expect(other).not.toBe(caseIdFor(event));
  });
});

describe('Function: buildPlan', () => {
  describe('identity and determinism', () => {
    it('names the case and the employee', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(plan.caseId).toBe(caseIdFor(malloryEvent()));
      expect(plan.employeeId).toBe(EMPLOYEE_ID);
    });

    it('gives each step the unique id <caseId>/<type>/<target>', () => {
      // Act
      const plan = planFor();

      // Assess
      for (const s of plan.steps) expect(s.id).toBe(`${plan.caseId}/${s.type}/${s.target}`);
      expect(new Set(plan.steps.map((s) => s.id)).size).toBe(plan.steps.length);
    });

    it('makes the same plan from the same inputs', () => {
      // Act
      const first = planFor();
      const second = planFor();

      // Assess
      expect(second).toEqual(first);
    });

    it('makes a plan of another case, with other step ids, for another event', () => {
      // Act
      const first = planFor();
      const other = planFor({
        event: malloryEvent({ eventId: 'WD-2026-11-29-0099' }),
      });

      // Assess
      expect(other.caseId).not.toBe(first.caseId);
      expect(other.steps.map((s) => s.type)).toEqual(first.steps.map((s) => s.type));
      expect(other.steps.some((s) => first.steps.some((f) => f.id === s.id))).toBe(false);
    });

    it('only depends on earlier steps of the same plan', () => {
      // Act
      const plan = planFor();

      // Assess
      plan.steps.forEach((s, i) => {
        for (const dependency of s.dependsOn) {
          const at = plan.steps.findIndex((d) => d.id === dependency);
          expect(at, `${s.id} depends on ${dependency}`).toBeGreaterThanOrEqual(0);
          expect(at).toBeLessThan(i);
        }
      });
    });

    it('gives every step a reason', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(plan.steps.filter((s) => s.reason.trim() === '')).toEqual([]);
    });
  });

  describe('containment of the engineer’s IAM user', () => {
    it('quarantines the user before anything else', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(plan.steps[0]).toMatchObject({
        type: 'attach-quarantine-policy',
        userName: 'mallory',
        target: MALLORY_ARN,
      });
      expect(stepsOf(plan, 'attach-quarantine-policy')).toHaveLength(1);
    });

    it('runs all containment before sessions, keys and tokens', () => {
      // Act
      const plan = planFor();

      // Assess
      const own = ownContainment(plan);
      const kinds = plan.steps.map((s) => (own.includes(s) ? 'contain' : 'other'));
      const lastContain = kinds.lastIndexOf('contain');
      const firstOther = kinds.indexOf('other');
      expect(lastContain).toBeLessThan(firstOther);
    });

    it('deactivates each active access key before deleting it, and deletes an inactive one', () => {
      // Act
      const plan = planFor();

      // Assess
      const active = 'AKIAEXAMPLEMALLORY01';
      expect(step(plan, 'deactivate-access-key', active)).toMatchObject({ userName: 'mallory', accessKeyId: active });
      expect(indexOf(plan, 'deactivate-access-key', active)).toBeLessThan(indexOf(plan, 'delete-access-key', `${active}#delete`));
      const inactive = 'AKIAEXAMPLEMALLORY02';
      expect(plan.steps.some((s) => s.type === 'deactivate-access-key' && s.target === inactive)).toBe(false);
      for (const key of [active, inactive]) {
        expect(step(plan, 'delete-access-key', `${key}#delete`)).toMatchObject({ userName: 'mallory', accessKeyId: key });
      }
    });

    it('deactivates every access key before deleting the login profile and any key', () => {
      // Act
      const plan = planFor();

      // Assess
      const own = ownContainment(plan).filter((s) => s.type === 'deactivate-access-key');
      expect(own).toHaveLength(1);
      const lastDeactivate = Math.max(...own.map((s) => plan.steps.indexOf(s)));
      expect(lastDeactivate).toBeLessThan(indexOf(plan, 'delete-login-profile', `${MALLORY_ARN}#login-profile`));
      expect(lastDeactivate).toBeLessThan(Math.min(...stepsOf(plan, 'delete-access-key').map((s) => plan.steps.indexOf(s))));
    });

    it('deletes the login profile, SSH key and service-specific credential', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(targetsOf(plan, 'delete-login-profile')).toEqual([`${MALLORY_ARN}#login-profile`]);
      expect(step(plan, 'delete-ssh-public-key', 'APKAEXAMPLEMALLORY01')).toMatchObject({
        userName: 'mallory',
        sshPublicKeyId: 'APKAEXAMPLEMALLORY01',
      });
      expect(step(plan, 'delete-service-specific-credential', 'ACCAEXAMPLEMALLORY01')).toMatchObject({
        userName: 'mallory',
        serviceSpecificCredentialId: 'ACCAEXAMPLEMALLORY01',
      });
      expect(stepsOf(plan, 'delete-signing-certificate')).toEqual([]);
    });

    it('deactivates the MFA device before deleting the virtual device', () => {
      // Prepare
      const serial = 'arn:aws:iam::111122223333:mfa/mallory';

      // Act
      const plan = planFor();

      // Assess
      expect(step(plan, 'deactivate-mfa-device', serial)).toMatchObject({
        userName: 'mallory',
        serialNumber: serial,
      });
      expect(step(plan, 'delete-virtual-mfa-device', `${serial}#delete`)).toMatchObject({ serialNumber: serial });
      expect(indexOf(plan, 'deactivate-mfa-device', serial)).toBeLessThan(indexOf(plan, 'delete-virtual-mfa-device', `${serial}#delete`));
    });

    it('deactivates a hardware MFA device without trying to delete it', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.credentials, (json) => {
        json.Users[0].MFADevices = [{ SerialNumber: 'GAHT12345678' }];
      });

      // Act
      const plan = planFor({ files });

      // Assess
      expect(targetsOf(plan, 'deactivate-mfa-device')).toEqual(['GAHT12345678']);
      expect(stepsOf(plan, 'delete-virtual-mfa-device')).toEqual([]);
    });

    it('deletes signing certificates', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.credentials, (json) => {
        json.Users[0].Certificates = [{ CertificateId: 'CERT0001', Status: 'Active' }];
      });

      // Act
      const plan = planFor({ files });

      // Assess
      expect(step(plan, 'delete-signing-certificate', 'CERT0001')).toMatchObject({ userName: 'mallory', certificateId: 'CERT0001' });
    });

    it('removes the user from its groups', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(stepsOf(plan, 'remove-user-from-group')).toMatchObject([
        {
          userName: 'mallory',
          groupName: 'auth-engineers',
          target: `${MALLORY_ARN}#group/auth-engineers`,
        },
      ]);
    });

    it('keeps the user by default and deletes it last when configured to', () => {
      // Act
      const kept = planFor();
      const deleted = planFor({ config: { deleteUsers: true } });

      // Assess
      expect(stepsOf(kept, 'delete-user')).toEqual([]);
      const at = indexOf(deleted, 'delete-user', `${MALLORY_ARN}#delete`);
      expect(ownContainment(deleted).at(-1)?.type).toBe('delete-user');
      expect(deleted.steps[at]).toMatchObject({ userName: 'mallory' });
    });

    it('quarantines and cleans up only the engineer’s own users', () => {
      // Act
      const plan = planFor();

      // Assess
      const cleanup = plan.steps.filter((s) => CONTAINMENT.includes(s.type) && s.type !== 'deactivate-access-key' && 'userName' in s);
      expect(new Set(cleanup.map((s) => (s as { userName: string }).userName))).toEqual(new Set(['mallory']));
      expect(plan.steps.some((s) => s.target.includes(':user/alice'))).toBe(false);
    });

    it('skips a protected user instead of containing it, and still revokes the rest', () => {
      // Act
      const plan = planFor({
        config: { protectedPrincipalArns: [MALLORY_ARN] },
      });

      // Assess
      expect(ownContainment(plan)).toEqual([]);
      expect(plan.skipped).toContainEqual({
        target: MALLORY_ARN,
        reason: expect.stringContaining('protected principal'),
      });
      expect(targetsOf(plan, 'deny-role-sessions')).toContain(AUTH_DEPLOYER_ARN);
      expect(targetsOf(plan, 'create-replacement-key')).toContain(AUTH_KEY_ARN);
      expect(targetsOf(plan, 'revoke-subject')).toEqual([`sub:${EMPLOYEE_ID}`, `sub:${EMAIL}`]);
    });

    it('skips a user under Sever’s own path', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        json.UserDetailList[0].Path = '/sever/';
      });

      // Act
      const plan = planFor({ files });

      // Assess
      expect(ownContainment(plan)).toEqual([]);
      expect(plan.skipped.map((s) => s.target)).toContain(MALLORY_ARN);
    });
  });

  describe('access keys the engineer could mint for other users', () => {
    const CI_KEY_LISTED = 'AKIAEXAMPLECIBOT0001';
    const CI_KEY_UNLISTED = 'AKIAEXAMPLECIBOT0002';
    /** Reach in which mallory becomes ci-bot by minting its access key (as the sample org allows). */
    const mintsCiBot = (r: ReachSummary): ReachSummary => ({
      ...r,
      reachablePrincipals: [
        ...r.reachablePrincipals.filter((p) => p.arn !== CI_BOT_ARN),
        {
          arn: CI_BOT_ARN,
          path: [{ to: CI_BOT_ARN, via: 'iam:CreateAccessKey' }],
        },
      ],
    });
    const ciBotKeySteps = (plan: Plan) => plan.steps.filter((s) => 'userName' in s && s.userName === 'ci-bot');

    it('in the sample org, deactivates the key mallory minted for ci-bot and rotates the key ci-bot signs with', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(ciBotKeySteps(plan).map((s) => [s.type, s.target])).toEqual([['deactivate-access-key', CI_KEY_UNLISTED]]);
      expect(targetsOf(plan, 'create-replacement-key')).toContain(RELEASE_KEY_ARN);
    });

    it('deactivates an active key from the engineer’s tenure that the owning system does not list', () => {
      // Act
      const plan = planFor({ reach: mintsCiBot });

      // Assess
      expect(ciBotKeySteps(plan)).toMatchObject([
        {
          type: 'deactivate-access-key',
          userName: 'ci-bot',
          accessKeyId: CI_KEY_UNLISTED,
          target: CI_KEY_UNLISTED,
          dependsOn: [],
        },
      ]);
      expect(plan.steps.some((s) => s.type === 'delete-access-key' && 'userName' in s && s.userName === 'ci-bot')).toBe(false);
    });

    it('leaves a key listed in sever:known-access-keys active and reports it', () => {
      // Act
      const plan = planFor({ reach: mintsCiBot });

      // Assess
      expect(plan.steps.some((s) => s.target === CI_KEY_LISTED)).toBe(false);
      expect(plan.skipped).toContainEqual({
        target: CI_KEY_LISTED,
        reason: expect.stringContaining('sever:known-access-keys'),
      });
    });

    it('accepts a comma-separated list of known keys', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        json.UserDetailList[2].Tags = [
          {
            Key: 'sever:known-access-keys',
            Value: `${CI_KEY_LISTED},${CI_KEY_UNLISTED}`,
          },
        ];
      });

      // Act
      const plan = planFor({ files, reach: mintsCiBot });

      // Assess
      expect(ciBotKeySteps(plan)).toEqual([]);
    });

    it('leaves a key created before the engineer joined active and reports it', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.credentials, (json) => {
        json.Users[2].AccessKeyMetadata[1].CreateDate = '2020-01-01T00:00:00Z';
      });

      // Act
      const plan = planFor({ files, reach: mintsCiBot });

      // Assess
      expect(ciBotKeySteps(plan)).toEqual([]);
      expect(plan.skipped).toContainEqual({
        target: CI_KEY_UNLISTED,
        reason: expect.stringContaining('before the engineer joined'),
      });
    });

    it('fails closed when the engineer’s start date is unknown', () => {
      // Prepare
      let files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.credentials, (json) => {
        json.Users[2].AccessKeyMetadata[1].CreateDate = '2020-01-01T00:00:00Z';
      });
      files = editFile(files, AUTH, (json) => {
        delete json.UserDetailList[0].CreateDate;
      });

      // Act
      const plan = planFor({ files, reach: mintsCiBot });

      // Assess
      expect(ciBotKeySteps(plan).map((s) => s.target)).toEqual([CI_KEY_UNLISTED]);
    });

    it('ignores inactive keys', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.credentials, (json) => {
        json.Users[2].AccessKeyMetadata[1].Status = 'Inactive';
      });

      // Act
      const plan = planFor({ files, reach: mintsCiBot });

      // Assess
      expect(ciBotKeySteps(plan)).toEqual([]);
      expect(plan.skipped.some((s) => s.target === CI_KEY_UNLISTED)).toBe(false);
    });

    it('never touches a protected user’s keys', () => {
      // Act
      const plan = planFor({
        reach: mintsCiBot,
        config: { protectedPrincipalArns: [CI_BOT_ARN] },
      });

      // Assess
      expect(ciBotKeySteps(plan)).toEqual([]);
      expect(plan.skipped).toContainEqual({
        target: CI_KEY_UNLISTED,
        reason: expect.stringContaining('protected'),
      });
    });

    it('leaves a reachable user alone when the engineer could not mint its keys', () => {
      // Prepare
      const reach = (r: ReachSummary): ReachSummary => ({
        ...r,
        reachablePrincipals: [
          ...r.reachablePrincipals.filter((p) => p.arn !== CI_BOT_ARN),
          {
            arn: CI_BOT_ARN,
            path: [{ to: CI_BOT_ARN, via: 'iam:UpdateLoginProfile' }],
          },
        ],
      });

      // Act
      const plan = planFor({ reach });

      // Assess
      expect(ciBotKeySteps(plan)).toEqual([]);
    });
  });

  describe('role sessions', () => {
    it('denies the engineer’s sessions on every role they could reach', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(stepsOf(plan, 'deny-role-sessions')).toMatchObject([
        {
          target: AUTH_DEPLOYER_ARN,
          roleName: 'auth-deployer',
          policyName: `SeverRevoke-${EMPLOYEE_ID}`,
        },
        {
          target: TOKEN_ADMIN_ARN,
          roleName: 'token-admin',
          policyName: `SeverRevoke-${EMPLOYEE_ID}`,
        },
      ]);
    });

    it('names the engineer by employee id, email, email local part and user name, with the cut-off', () => {
      // Act
      const plan = planFor();

      // Assess
      const deny = step(plan, 'deny-role-sessions', AUTH_DEPLOYER_ARN) as Extract<PlannedStep, { type: 'deny-role-sessions' }>;
      expect(deny.policy).toBe(targetedSessionDeny([EMPLOYEE_ID, EMAIL, 'mallory', 'mallory'], CUT_OFF));
    });

    it.each(['voluntary', 'involuntary'] as const)('adds no blanket revocation for %s terminations', (terminationType) => {
      // Act
      const plan = planFor({ event: malloryEvent({ terminationType }) });

      // Assess
      expect(
        stepsOf(plan, 'deny-role-sessions').filter((s) => 'policyName' in s && s.policyName === BLANKET_REVOCATION_POLICY_NAME),
      ).toEqual([]);
    });

    it('revokes every older session of each reachable role when hostile', () => {
      // Act
      const plan = planFor({
        event: malloryEvent({ terminationType: 'hostile' }),
      });

      // Assess
      const blanket = stepsOf(plan, 'deny-role-sessions').filter((s) => s.target.endsWith('#all-sessions'));
      expect(blanket).toMatchObject([
        {
          target: `${AUTH_DEPLOYER_ARN}#all-sessions`,
          roleName: 'auth-deployer',
          policyName: BLANKET_REVOCATION_POLICY_NAME,
          policy: blanketSessionDeny(CUT_OFF),
        },
        {
          target: `${TOKEN_ADMIN_ARN}#all-sessions`,
          roleName: 'token-admin',
          policyName: BLANKET_REVOCATION_POLICY_NAME,
          policy: blanketSessionDeny(CUT_OFF),
        },
      ]);
    });

    it('never blanket-revokes a protected role, but still denies the engineer on it', () => {
      // Act
      const plan = planFor({
        event: malloryEvent({ terminationType: 'hostile' }),
        config: { protectedPrincipalArns: [AUTH_DEPLOYER_ARN] },
      });

      // Assess
      expect(targetsOf(plan, 'deny-role-sessions')).toEqual([AUTH_DEPLOYER_ARN, TOKEN_ADMIN_ARN, `${TOKEN_ADMIN_ARN}#all-sessions`]);
      expect(plan.skipped).toContainEqual({
        target: AUTH_DEPLOYER_ARN,
        reason: expect.stringContaining('protected principal'),
      });
    });

    it('skips service-linked roles and Sever’s own roles', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        json.RoleDetailList.push({
          Path: '/sever/',
          RoleName: 'sever-revoke',
          RoleId: 'AROAEXAMPLESEVER0001',
          Arn: SEVER_ROLE_ARN,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        });
      });
      // The sample org gives mallory no way into either role, so reach is widened by hand.
      const reach = (r: ReachSummary): ReachSummary => ({
        ...r,
        reachablePrincipals: [...r.reachablePrincipals, { arn: SUPPORT_SLR_ARN, path: [] }, { arn: SEVER_ROLE_ARN, path: [] }],
      });

      // Act
      const plan = planFor({
        files,
        reach,
        event: malloryEvent({ terminationType: 'hostile' }),
      });

      // Assess
      expect(plan.steps.filter((s) => s.target.startsWith(SUPPORT_SLR_ARN) || s.target.startsWith(SEVER_ROLE_ARN))).toEqual([]);
      expect(plan.skipped).toEqual(
        expect.arrayContaining([
          {
            target: SUPPORT_SLR_ARN,
            reason: expect.stringContaining('service-linked'),
          },
          {
            target: SEVER_ROLE_ARN,
            reason: expect.stringContaining("Sever's own role"),
          },
        ]),
      );
    });

    it('plans no session step for a reachable principal that is a user', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(targetsOf(plan, 'deny-role-sessions').some((t) => t.includes(':user/'))).toBe(false);
    });
  });

  describe('KMS key rotation', () => {
    // Rotation mechanics are tested on the sample org with the release key made directly
    // reachable, so they do not depend on which escalation paths reach analysis models.
    it('rotates exactly the signing and MAC keys in reach', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      expect(targetsOf(plan, 'create-replacement-key')).toEqual([AUTH_KEY_ARN, SESSION_MAC_KEY_ARN, RELEASE_KEY_ARN, WEBHOOK_KEY_ARN]);
      expect(plan.steps.some((s) => s.target.startsWith(PAYMENTS_KEY_ARN) || s.target.startsWith(DATA_KEY_ARN))).toBe(false);
    });

    it('orders a published signing key: create, publish, move alias, then revoke kid, unpublish, disable, schedule deletion', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      const order = [
        indexOf(plan, 'create-replacement-key', AUTH_KEY_ARN),
        indexOf(plan, 'publish-public-key', `${AUTH_KEY_ARN}#publish`),
        indexOf(plan, 'move-alias', 'alias/auth-tokens'),
        indexOf(plan, 'revoke-key-id', `${AUTH_KEY_ARN}#revoke-kid`),
        indexOf(plan, 'unpublish-public-key', `${AUTH_KEY_ARN}#unpublish`),
        indexOf(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`),
        indexOf(plan, 'schedule-key-deletion', `${AUTH_KEY_ARN}#schedule-deletion`),
      ];
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(new Set(order).size).toBe(order.length);
    });

    it('makes each rotation step depend on what it needs', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      const create = idOf(plan, 'create-replacement-key', AUTH_KEY_ARN);
      const publish = idOf(plan, 'publish-public-key', `${AUTH_KEY_ARN}#publish`);
      const move = idOf(plan, 'move-alias', 'alias/auth-tokens');
      const disable = idOf(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`);
      expect(step(plan, 'create-replacement-key', AUTH_KEY_ARN).dependsOn).toEqual([]);
      expect(step(plan, 'publish-public-key', `${AUTH_KEY_ARN}#publish`).dependsOn).toEqual([create]);
      expect(step(plan, 'move-alias', 'alias/auth-tokens').dependsOn).toEqual([create, publish]);
      expect(step(plan, 'revoke-key-id', `${AUTH_KEY_ARN}#revoke-kid`).dependsOn).toEqual([create, move]);
      expect(step(plan, 'unpublish-public-key', `${AUTH_KEY_ARN}#unpublish`).dependsOn).toEqual([create, move]);
      expect(step(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`).dependsOn).toEqual([create, move]);
      expect(step(plan, 'schedule-key-deletion', `${AUTH_KEY_ARN}#schedule-deletion`).dependsOn).toEqual([disable]);
    });

    it('publishes where the sever:jwks tag says, for signing keys only', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      expect(stepsOf(plan, 'publish-public-key')).toMatchObject([
        {
          oldKeyArn: AUTH_KEY_ARN,
          jwksLocation: 's3://sample-org-jwks/auth/jwks.json',
        },
        {
          oldKeyArn: RELEASE_KEY_ARN,
          jwksLocation: '/sample-org/jwks/release',
        },
      ]);
      expect(stepsOf(plan, 'unpublish-public-key')).toMatchObject([
        {
          keyArn: AUTH_KEY_ARN,
          jwksLocation: 's3://sample-org-jwks/auth/jwks.json',
        },
        { keyArn: RELEASE_KEY_ARN, jwksLocation: '/sample-org/jwks/release' },
      ]);
    });

    it('never publishes or revokes a kid for a MAC key, even one tagged sever:jwks', () => {
      // Prepare
      const files = editFile(releaseReachable(), KMS, (json) => {
        json.Keys[1].Tags.push({
          TagKey: 'sever:jwks',
          TagValue: 's3://sample-org-jwks/mac/jwks.json',
        });
      });

      // Act
      const plan = planFor({ files });

      // Assess
      const mac = plan.steps.filter((s) => s.target.startsWith(SESSION_MAC_KEY_ARN) || s.target === 'alias/session-mac');
      expect(mac.map((s) => s.type)).toEqual(['create-replacement-key', 'move-alias', 'disable-key', 'schedule-key-deletion']);
    });

    it('revokes the kid of a signing key without a JWKS but publishes nothing', () => {
      // Prepare
      const files = editFile(releaseReachable(), KMS, (json) => {
        json.Keys[3].Tags = json.Keys[3].Tags.filter((t: { TagKey: string }) => t.TagKey !== 'sever:jwks');
      });

      // Act
      const plan = planFor({ files });

      // Assess
      const release = plan.steps.filter((s) => s.target.startsWith(RELEASE_KEY_ARN) || s.target === 'alias/release-signing');
      expect(release.map((s) => s.type)).toEqual([
        'create-replacement-key',
        'move-alias',
        'revoke-key-id',
        'disable-key',
        'schedule-key-deletion',
      ]);
      expect(step(plan, 'move-alias', 'alias/release-signing').dependsOn).toEqual([idOf(plan, 'create-replacement-key', RELEASE_KEY_ARN)]);
    });

    it('moves every alias of a key', () => {
      // Prepare
      const files = editFile(releaseReachable(), KMS, (json) => {
        json.Keys[0].Aliases.push({
          AliasName: 'alias/auth-tokens-v2',
          AliasArn: 'arn:aws:kms:eu-west-1:111122223333:alias/auth-tokens-v2',
        });
      });

      // Act
      const plan = planFor({ files });

      // Assess
      const moves = stepsOf(plan, 'move-alias').filter((s) => 'oldKeyArn' in s && s.oldKeyArn === AUTH_KEY_ARN);
      expect(moves.map((s) => s.target)).toEqual(['alias/auth-tokens', 'alias/auth-tokens-v2']);
      expect(step(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`).dependsOn).toEqual([
        idOf(plan, 'create-replacement-key', AUTH_KEY_ARN),
        ...moves.map((m) => m.id),
      ]);
    });

    it('waits the key’s sever:grace-seconds (600 for the auth key) before retiring the old key', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      const retire = plan.steps.filter((s) => s.target.startsWith(`${AUTH_KEY_ARN}#`) && s.type !== 'publish-public-key');
      expect(retire.map((s) => [s.type, s.notBefore])).toEqual([
        ['revoke-key-id', inSeconds(600)],
        ['unpublish-public-key', inSeconds(600)],
        ['disable-key', inSeconds(600)],
        ['schedule-key-deletion', inSeconds(600)],
      ]);
    });

    it('never defers creating, publishing or moving', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      const early = plan.steps.filter((s) => ['create-replacement-key', 'publish-public-key', 'move-alias'].includes(s.type));
      expect(early.length).toBeGreaterThan(0);
      expect(early.filter((s) => s.notBefore !== undefined)).toEqual([]);
    });

    it('waits the default 900 s for a key without a grace tag', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      for (const key of [SESSION_MAC_KEY_ARN, RELEASE_KEY_ARN, WEBHOOK_KEY_ARN]) {
        expect(step(plan, 'disable-key', `${key}#disable`).notBefore).toBe(inSeconds(900));
        expect(step(plan, 'schedule-key-deletion', `${key}#schedule-deletion`).notBefore).toBe(inSeconds(900));
      }
    });

    it('uses the configured default grace, but a key’s own tag still wins', () => {
      // Act
      const plan = planFor({
        files: RELEASE_FILES,
        config: { defaultGraceSeconds: 120 },
      });

      // Assess
      expect(step(plan, 'disable-key', `${RELEASE_KEY_ARN}#disable`).notBefore).toBe(inSeconds(120));
      expect(step(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`).notBefore).toBe(inSeconds(600));
    });

    it.each(['abc', '-1', '1.5', '86401', ''])('falls back to the default grace for a malformed tag %j', (value) => {
      // Prepare
      const files = editFile(releaseReachable(), KMS, (json) => {
        json.Keys[0].Tags = json.Keys[0].Tags.map((t: { TagKey: string; TagValue: string }) =>
          t.TagKey === 'sever:grace-seconds' ? { ...t, TagValue: value } : t,
        );
      });

      // Act
      const plan = planFor({ files });

      // Assess
      expect(step(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`).notBefore).toBe(inSeconds(900));
    });

    it('retires at once when the grace tag is 0', () => {
      // Prepare
      const files = editFile(releaseReachable(), KMS, (json) => {
        json.Keys[0].Tags = json.Keys[0].Tags.map((t: { TagKey: string; TagValue: string }) =>
          t.TagKey === 'sever:grace-seconds' ? { ...t, TagValue: '0' } : t,
        );
      });

      // Act
      const plan = planFor({ files });

      // Assess
      expect(plan.steps.filter((s) => s.target.startsWith(AUTH_KEY_ARN) && s.notBefore !== undefined)).toEqual([]);
    });

    it('removes every grace window when hostile', () => {
      // Act
      const plan = planFor({
        files: RELEASE_FILES,
        event: malloryEvent({ terminationType: 'hostile' }),
      });

      // Assess
      expect(stepsOf(plan, 'disable-key').length).toBe(4);
      expect(plan.steps.filter((s) => s.notBefore !== undefined && new Date(s.notBefore) > NOW)).toEqual([]);
      expect(step(plan, 'disable-key', `${AUTH_KEY_ARN}#disable`).reason).toContain('hostile');
    });

    it('schedules deletion with the configured window', () => {
      // Act
      const standard = planFor({ files: RELEASE_FILES });
      const short = planFor({
        files: RELEASE_FILES,
        config: { keyDeletionWindowDays: 7 },
      });

      // Assess
      expect(stepsOf(standard, 'schedule-key-deletion').map((s) => 'pendingWindowInDays' in s && s.pendingWindowInDays)).toEqual([
        30, 30, 30, 30,
      ]);
      expect(stepsOf(short, 'schedule-key-deletion').map((s) => 'pendingWindowInDays' in s && s.pendingWindowInDays)).toEqual([7, 7, 7, 7]);
    });

    it('creates the replacement with the old key’s spec, usage, description and tags, plus provenance', () => {
      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      expect(step(plan, 'create-replacement-key', AUTH_KEY_ARN)).toMatchObject({
        oldKeyArn: AUTH_KEY_ARN,
        keySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        description: 'Signs customer access tokens (ES256)',
        tags: {
          team: 'auth',
          'sever:jwks': 's3://sample-org-jwks/auth/jwks.json',
          'sever:grace-seconds': '600',
          'sever:replaces': AUTH_KEY_ARN,
          'sever:case-id': plan.caseId,
        },
      });
    });

    it('gives the replacement key the old policy without the engineer', () => {
      // Prepare
      const snapshot = sampleSnapshot();
      const oldPolicy = snapshot.kmsKeys.find((k) => k.arn === SESSION_MAC_KEY_ARN)?.policyText as string;

      // Act
      const plan = planFor({ files: RELEASE_FILES });

      // Assess
      const create = step(plan, 'create-replacement-key', SESSION_MAC_KEY_ARN) as Extract<PlannedStep, { type: 'create-replacement-key' }>;
      expect(oldPolicy).toContain(MALLORY_ARN);
      expect(create.policy).toBe(withoutPrincipals(oldPolicy, [MALLORY_ARN]));
      expect(create.policy).not.toContain(MALLORY_ARN);
      const statements = (
        JSON.parse(create.policy) as {
          Statement: { Sid: string; Principal: unknown }[];
        }
      ).Statement;
      expect(statements.map((s) => [s.Sid, s.Principal])).toEqual([
        ['EnableIAMUserPermissions', { AWS: 'arn:aws:iam::111122223333:root' }],
        ['MalloryDebugAccess', { AWS: AUTH_DEPLOYER_ARN }],
      ]);
    });

    it.each([
      [
        'disabled',
        (k: { KeyMetadata: Record<string, string> }) => {
          k.KeyMetadata.KeyState = 'Disabled';
        },
      ],
      [
        'AWS-managed',
        (k: { KeyMetadata: Record<string, string> }) => {
          k.KeyMetadata.KeyManager = 'AWS';
        },
      ],
    ])('skips a reachable %s key instead of rotating it', (_label, edit) => {
      // Prepare
      const files = editFile(releaseReachable(), KMS, (json) => edit(json.Keys[3]));

      // Act
      const plan = planFor({ files });

      // Assess
      expect(plan.steps.filter((s) => s.target.startsWith(RELEASE_KEY_ARN) || s.target === 'alias/release-signing')).toEqual([]);
      expect(plan.skipped).toContainEqual({
        target: RELEASE_KEY_ARN,
        reason: expect.stringContaining('nothing to rotate'),
      });
    });
  });

  describe('grants', () => {
    it('revokes a grant to the engineer on a key being rotated, once', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(stepsOf(plan, 'revoke-grant')).toMatchObject([
        {
          keyArn: WEBHOOK_KEY_ARN,
          grantId: WEBHOOK_GRANT_ID,
          target: `${WEBHOOK_KEY_ARN}#grant/${WEBHOOK_GRANT_ID}`,
        },
      ]);
    });

    it('revokes a grant to the engineer on a key that stays, and leaves other people’s grants there', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), KMS, (json) => {
        json.Keys[5].Grants = [
          {
            GrantId: 'grant-mallory',
            GranteePrincipal: MALLORY_ARN,
            Operations: ['Decrypt'],
          },
          {
            GrantId: 'grant-alice',
            GranteePrincipal: 'arn:aws:iam::111122223333:user/alice',
            Operations: ['Decrypt'],
          },
        ];
      });

      // Act
      const plan = planFor({ files });

      // Assess
      expect(step(plan, 'revoke-grant', `${DATA_KEY_ARN}#grant/grant-mallory`)).toMatchObject({
        keyArn: DATA_KEY_ARN,
        grantId: 'grant-mallory',
        reason: 'a grant to the engineer on a key that stays',
      });
      expect(plan.steps.some((s) => s.target.endsWith('grant-alice'))).toBe(false);
      expect(plan.steps.filter((s) => s.target.startsWith(DATA_KEY_ARN)).map((s) => s.type)).toEqual(['revoke-grant']);
    });
  });

  describe('stored keys and tokens', () => {
    it('rotates the reachable signing secret and parameter once each', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(stepsOf(plan, 'rotate-secret')).toMatchObject([{ secretArn: LEGACY_SECRET_ARN, target: LEGACY_SECRET_ARN }]);
      expect(stepsOf(plan, 'rotate-parameter')).toMatchObject([
        {
          parameterName: '/auth/refresh-signing-key',
          parameterArn: REFRESH_PARAMETER_ARN,
          target: REFRESH_PARAMETER_ARN,
        },
      ]);
      expect(plan.steps.some((s) => s.target.includes('payments/db-password'))).toBe(false);
    });

    it('revokes the engineer’s tokens by employee id and email, issued before now, last', () => {
      // Act
      const plan = planFor();

      // Assess
      expect(plan.steps.slice(-2)).toMatchObject([
        {
          type: 'revoke-subject',
          subject: EMPLOYEE_ID,
          issuedBefore: CUT_OFF,
          target: `sub:${EMPLOYEE_ID}`,
        },
        {
          type: 'revoke-subject',
          subject: EMAIL,
          issuedBefore: CUT_OFF,
          target: `sub:${EMAIL}`,
        },
      ]);
      expect(stepsOf(plan, 'revoke-subject')).toHaveLength(2);
    });

    it('still revokes tokens for an employee with no principals in the account', () => {
      // Act
      const plan = planFor({
        employeeId: 'E9999',
        event: malloryEvent({
          employeeId: 'E9999',
          email: 'ghost@example.com',
        }),
      });

      // Assess
      expect(plan.steps.map((s) => s.target)).toEqual(['sub:E9999', 'sub:ghost@example.com']);
    });
  });
});
