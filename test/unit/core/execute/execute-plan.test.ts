import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PortError } from '../../../../lambda/core/errors.js';
import { executePlan } from '../../../../lambda/core/execute/execute-plan.js';
import type { LedgerEntry } from '../../../../lambda/core/ledger/types.js';
import type { Plan, PlannedStep } from '../../../../lambda/core/plan/steps.js';
import { publicJwkFromSpki } from '../../../../lambda/core/tokens/jwk.js';
import { type FakeCase, fakeCase, recordingRetry } from '../../../fixtures/pipeline/fake-ports.js';
import {
  independentSteps,
  JWKS_LOCATION,
  OLD_KEY_ARN,
  planned,
  planOf,
  rotationSteps,
  TEST_CASE_ID,
  TEST_EMPLOYEE_ID,
} from '../../../fixtures/pipeline/plans.js';

const ACTOR = { function: 'sever-revoke', requestId: 'lambda-req-1' };
const START = '2026-11-29T09:00:05.000Z';
const RETIRE_AT = '2026-11-29T09:10:05.000Z';

const setup = () => fakeCase({ start: START, existingKeyArns: [OLD_KEY_ARN] });
const run = (plan: Plan, fake: FakeCase, retry = recordingRetry()) => executePlan(plan, fake.ports, { actor: ACTOR, retry });
const byType = (fake: FakeCase, type: LedgerEntry['type']) => fake.ledger.ofType(TEST_CASE_ID, type);
const forStep = (fake: FakeCase, type: LedgerEntry['type'], step: PlannedStep) => fake.ledger.ofType(TEST_CASE_ID, type, step.id);
const outcomes = (report: Awaited<ReturnType<typeof executePlan>>) => Object.fromEntries(report.steps.map((s) => [s.id, s.outcome]));
const stepTag = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 32);

describe('Function: executePlan', () => {
  describe('a plan with every step due', () => {
    const plan = planOf(...independentSteps(), ...rotationSteps());

    it('runs every step once, in plan order, and completes', async () => {
      // Prepare
      const fake = setup();

      // Act
      const report = await run(plan, fake);

      // Assess
      expect(report.status).toBe('completed');
      expect(report.steps.map((s) => [s.id, s.outcome])).toEqual(plan.steps.map((s) => [s.id, 'succeeded']));
      expect(fake.recorder.calls.filter((c) => c.failed)).toEqual([]);
      expect(fake.recorder.methods()).toEqual([
        'credentials.putUserPolicy',
        'credentials.updateAccessKey',
        'sessions.putRolePolicy',
        'storedKeys.rotateSecret',
        'storedKeys.rotateParameter',
        'registry.revokeSubject',
        'keys.getPublicKey',
        'keys.createKey',
        'keys.getPublicKey',
        'jwks.publish',
        'keys.updateAlias',
        'registry.revokeKid',
        'jwks.remove',
        'keys.disableKey',
        'keys.scheduleKeyDeletion',
      ]);
    });

    it('records each step as started, then succeeded, before the next step starts', async () => {
      // Prepare
      const fake = setup();

      // Act
      await run(plan, fake);

      // Assess
      const entries = fake.ledger.entries(TEST_CASE_ID);
      expect(entries.map((e) => [e.type, e.data.actionId])).toEqual(
        plan.steps.flatMap((s) => [
          ['action-started', s.id],
          ['action-succeeded', s.id],
        ]),
      );
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      for (const entry of entries) {
        expect(entry).toMatchObject({
          caseId: TEST_CASE_ID,
          employeeId: TEST_EMPLOYEE_ID,
          actor: ACTOR,
        });
      }
    });

    it('records the action type, target, resource, before/after state, request ids and attempts', async () => {
      // Prepare
      const fake = setup();

      // Act
      await run(plan, fake);

      // Assess
      const deactivate = plan.steps[1] as PlannedStep;
      const succeeded = forStep(fake, 'action-succeeded', deactivate)[0];
      const call = fake.recorder.of('credentials.updateAccessKey')[0];
      expect(succeeded?.data).toEqual({
        actionId: deactivate.id,
        actionType: 'deactivate-access-key',
        target: 'AKIAEXAMPLEMALLORY01',
        before: { status: 'Active' },
        after: { status: 'Inactive' },
        requestIds: [call?.requestId],
        result: {},
        durationMs: 0,
        attempts: 1,
      });
      expect(succeeded?.resourceArn).toBe('AKIAEXAMPLEMALLORY01');
      expect(forStep(fake, 'action-started', deactivate)[0]?.data).toEqual({
        actionId: deactivate.id,
        actionType: 'deactivate-access-key',
        target: 'AKIAEXAMPLEMALLORY01',
        resumed: false,
      });
    });

    it('records every succeeded step with at least one request id', async () => {
      // Prepare
      const fake = setup();

      // Act
      await run(plan, fake);

      // Assess
      const succeeded = byType(fake, 'action-succeeded');
      expect(succeeded).toHaveLength(plan.steps.length);
      const recorded = succeeded.flatMap((e) => e.data.requestIds as string[]).sort();
      expect(recorded).toEqual(fake.recorder.calls.map((c) => c.requestId).sort());
      expect(succeeded.filter((e) => (e.data.requestIds as string[]).length === 0)).toEqual([]);
    });

    it('records key steps against the key and the others against their target', async () => {
      // Prepare
      const fake = setup();

      // Act
      await run(plan, fake);

      // Assess
      const resources = Object.fromEntries(byType(fake, 'action-succeeded').map((e) => [e.data.actionType, e.resourceArn]));
      expect(resources).toMatchObject({
        'attach-quarantine-policy': 'arn:aws:iam::111122223333:user/mallory',
        'rotate-secret': 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:legacy/jwt-private-key-AbCdEf',
        'rotate-parameter': 'arn:aws:ssm:eu-west-1:111122223333:parameter/auth/refresh-signing-key',
        'create-replacement-key': OLD_KEY_ARN,
        'publish-public-key': OLD_KEY_ARN,
        'move-alias': OLD_KEY_ARN,
        'revoke-key-id': OLD_KEY_ARN,
        'unpublish-public-key': OLD_KEY_ARN,
        'disable-key': OLD_KEY_ARN,
        'schedule-key-deletion': OLD_KEY_ARN,
      });
    });

    it('hands the replacement key and the old kid to the steps that need them', async () => {
      // Prepare
      const fake = setup();
      const oldKid = (await publicJwkFromSpki(fake.keys.key(OLD_KEY_ARN)?.spki as Uint8Array, 'ES256')).kid;

      // Act
      await run(plan, fake);

      // Assess
      const [created] = fake.keys.createdKeys();
      const newKid = (await publicJwkFromSpki(created?.spki as Uint8Array, 'ES256')).kid;
      expect(fake.keys.aliases.get('alias/auth-tokens')).toBe(created?.keyArn);
      expect(fake.jwks.kids(JWKS_LOCATION)).toEqual([newKid]);
      expect(fake.jwks.retired(JWKS_LOCATION)).toEqual([oldKid]);
      expect([...fake.registry.kids.keys()]).toEqual([oldKid]);
      expect(fake.keys.key(OLD_KEY_ARN)?.state).toBe('PendingDeletion');
      expect(fake.keys.key(created?.keyArn as string)?.state).toBe('Enabled');
    });

    it('records how long each step took by the clock', async () => {
      // Prepare
      const fake = setup();
      const slow = planOf(planned({ type: 'disable-key', keyArn: OLD_KEY_ARN }, `${OLD_KEY_ARN}#disable`));
      const disable = fake.keys.disableKey.bind(fake.keys);
      fake.keys.disableKey = async (keyId: string) => {
        fake.clock.advance(250);
        return disable(keyId);
      };

      // Act
      const report = await run(slow, fake);

      // Assess
      expect(report.steps[0]?.durationMs).toBe(250);
      expect(byType(fake, 'action-succeeded')[0]?.data.durationMs).toBe(250);
    });
  });

  describe('running again', () => {
    it('makes no second call and writes nothing when every step is done', async () => {
      // Prepare
      const fake = setup();
      const plan = planOf(...independentSteps(), ...rotationSteps());
      await run(plan, fake);
      const calls = fake.recorder.calls.length;
      const appended = fake.ledger.appendCount;

      // Act
      const again = await run(plan, fake);

      // Assess
      expect(again.status).toBe('completed');
      expect(again.steps.every((s) => s.outcome === 'already-done')).toBe(true);
      expect(fake.recorder.calls.length).toBe(calls);
      expect(fake.ledger.appendCount).toBe(appended);
    });

    it('runs later steps with results recorded by an earlier run', async () => {
      // Prepare
      const fake = setup();
      const [create, publish, move] = rotationSteps() as [PlannedStep, PlannedStep, PlannedStep];
      await run(planOf(create), fake);

      // Act
      const report = await run(planOf(create, publish, move), fake);

      // Assess
      expect(outcomes(report)).toEqual({
        [create.id]: 'already-done',
        [publish.id]: 'succeeded',
        [move.id]: 'succeeded',
      });
      expect(fake.keys.aliases.get('alias/auth-tokens')).toBe(fake.keys.createdKeys()[0]?.keyArn);
    });
  });

  describe('resuming after a crash', () => {
    it('finds the replacement key created before the crash instead of creating a second one', async () => {
      // Prepare
      const fake = setup();
      const plan = planOf(...rotationSteps());
      const create = plan.steps[0] as PlannedStep;
      fake.ledger.crashWhen = (entry) => entry.type === 'action-succeeded' && entry.data.actionId === create.id;
      await expect(run(plan, fake)).rejects.toThrow('process crashed');
      fake.ledger.restart();
      const [beforeCrash] = fake.keys.createdKeys();

      // Act
      const report = await run(plan, fake);

      // Assess
      expect(report.status).toBe('completed');
      expect(fake.recorder.count('keys.createKey')).toBe(1);
      expect(fake.recorder.of('keys.findKeyByTag').map((c) => c.args)).toEqual([['sever:step-id', stepTag(create.id)]]);
      expect(forStep(fake, 'action-started', create).map((e) => e.data.resumed)).toEqual([false, true]);
      const succeeded = forStep(fake, 'action-succeeded', create);
      expect(succeeded).toHaveLength(1);
      expect(succeeded[0]?.data.after).toEqual({
        keyArn: beforeCrash?.keyArn,
        reusedAfterCrash: true,
      });
      expect(fake.keys.aliases.get('alias/auth-tokens')).toBe(beforeCrash?.keyArn);
    });

    it('does not look a key up by tag on a first, uninterrupted run', async () => {
      // Prepare
      const fake = setup();

      // Act
      await run(planOf(...rotationSteps()), fake);

      // Assess
      expect(fake.recorder.count('keys.findKeyByTag')).toBe(0);
    });

    it('retries a CreateKey whose response was lost without creating a second key', async () => {
      // Prepare
      const fake = setup();
      fake.recorder.failAfterNext('keys.createKey', new PortError('ERR_TRANSIENT', 'kms:CreateKey: socket hang up'));

      // Act
      const report = await run(planOf(...rotationSteps()), fake);

      // Assess
      expect(report.status).toBe('completed');
      expect(fake.keys.createdKeys()).toHaveLength(1);
    });
  });

  describe('port errors', () => {
    it('counts ERR_ALREADY_DONE as done and records it as succeeded', async () => {
      // Prepare
      const fake = setup();
      const step = planned({ type: 'delete-login-profile', userName: 'mallory' }, 'arn:aws:iam::111122223333:user/mallory#login-profile');
      const dependant = planned({ type: 'delete-user', userName: 'mallory' }, 'arn:aws:iam::111122223333:user/mallory#delete', {
        dependsOn: [step.id],
      });
      fake.recorder.failNext(
        'credentials.deleteLoginProfile',
        new PortError('ERR_ALREADY_DONE', 'iam:DeleteLoginProfile: NoSuchEntity', 'NoSuchEntityException', 'iam-req-9'),
      );

      // Act
      const report = await run(planOf(step, dependant), fake);

      // Assess
      expect(report.status).toBe('completed');
      expect(outcomes(report)).toEqual({
        [step.id]: 'already-done',
        [dependant.id]: 'succeeded',
      });
      expect(forStep(fake, 'action-succeeded', step)[0]?.data).toMatchObject({
        alreadyDone: true,
        detail: 'iam:DeleteLoginProfile: NoSuchEntity',
        requestIds: ['iam-req-9'],
        result: {},
      });
      expect(byType(fake, 'action-failed')).toEqual([]);
    });

    it('treats a step that ended ERR_ALREADY_DONE as done on the next run', async () => {
      // Prepare
      const fake = setup();
      const step = planned({ type: 'delete-login-profile', userName: 'mallory' }, 'lp');
      fake.recorder.failNext('credentials.deleteLoginProfile', new PortError('ERR_ALREADY_DONE', 'gone'));
      await run(planOf(step), fake);

      // Act
      const report = await run(planOf(step), fake);

      // Assess
      expect(outcomes(report)).toEqual({ [step.id]: 'already-done' });
      expect(fake.recorder.count('credentials.deleteLoginProfile')).toBe(1);
    });

    it('retries ERR_THROTTLED with capped backoff and records one success with its attempts', async () => {
      // Prepare
      const fake = setup();
      const retry = recordingRetry({
        baseDelayMs: 100,
        maxDelayMs: 300,
        random: () => 0.5,
      });
      const step = planned({ type: 'disable-key', keyArn: OLD_KEY_ARN }, `${OLD_KEY_ARN}#disable`);
      const throttled = () => new PortError('ERR_THROTTLED', 'kms:DisableKey: ThrottlingException', 'ThrottlingException');
      fake.recorder.failNext('keys.disableKey', throttled(), throttled(), throttled(), throttled());

      // Act
      const report = await run(planOf(step), fake, retry);

      // Assess
      expect(outcomes(report)).toEqual({ [step.id]: 'succeeded' });
      expect(fake.recorder.count('keys.disableKey')).toBe(5);
      expect(retry.delays).toEqual([50, 100, 150, 150]);
      expect(forStep(fake, 'action-started', step)).toHaveLength(1);
      expect(forStep(fake, 'action-succeeded', step)[0]?.data.attempts).toBe(5);
      expect(byType(fake, 'action-failed')).toEqual([]);
    });

    it('records a step that stays throttled past the last attempt as failed', async () => {
      // Prepare
      const fake = setup();
      const retry = recordingRetry({ maxAttempts: 3 });
      const step = planned({ type: 'disable-key', keyArn: OLD_KEY_ARN }, `${OLD_KEY_ARN}#disable`);
      fake.recorder.failAlways('keys.disableKey', new PortError('ERR_THROTTLED', 'kms:DisableKey: ThrottlingException'));

      // Act
      const report = await run(planOf(step), fake, retry);

      // Assess
      expect(report.status).toBe('failed');
      expect(fake.recorder.count('keys.disableKey')).toBe(3);
      expect(forStep(fake, 'action-failed', step)[0]?.data.error).toMatchObject({ code: 'ERR_THROTTLED' });
    });

    describe('a permanent failure', () => {
      const setupFailure = () => {
        const fake = setup();
        const rotation = rotationSteps();
        const others = independentSteps();
        const plan = planOf(...rotation, ...others);
        fake.recorder.failAlways(
          'keys.createKey',
          new PortError('ERR_ACCESS_DENIED', 'kms:CreateKey: not authorized', 'AccessDeniedException', 'kms-req-403'),
        );
        return { fake, plan, rotation, others };
      };

      it('records action-failed with the error code, AWS error and request id, without retrying', async () => {
        // Prepare
        const { fake, plan, rotation } = setupFailure();
        const create = rotation[0] as PlannedStep;

        // Act
        const report = await run(plan, fake);

        // Assess
        expect(fake.recorder.count('keys.createKey')).toBe(1);
        expect(forStep(fake, 'action-failed', create)[0]?.data).toMatchObject({
          actionId: create.id,
          error: {
            code: 'ERR_ACCESS_DENIED',
            message: 'kms:CreateKey: not authorized',
            awsError: 'AccessDeniedException',
            requestId: 'kms-req-403',
          },
        });
        expect(report.steps.find((s) => s.id === create.id)).toMatchObject({
          outcome: 'failed',
          error: 'ERR_ACCESS_DENIED: kms:CreateKey: not authorized',
        });
      });

      it('blocks every step that depends on it, directly or not, without calling their ports', async () => {
        // Prepare
        const { fake, plan, rotation } = setupFailure();

        // Act
        const report = await run(plan, fake);

        // Assess
        const [create, ...dependants] = rotation as [PlannedStep, ...PlannedStep[]];
        expect(outcomes(report)).toMatchObject(Object.fromEntries([[create.id, 'failed'], ...dependants.map((s) => [s.id, 'blocked'])]));
        const keyCalls = fake.recorder
          .methods()
          .filter((m) => m.startsWith('keys.') || m.startsWith('jwks.') || m === 'registry.revokeKid');
        expect(keyCalls).toEqual(['keys.getPublicKey', 'keys.createKey']);
        expect(fake.ledger.entries(TEST_CASE_ID).filter((e) => dependants.some((d) => d.id === e.data.actionId))).toEqual([]);
      });

      it('still runs every independent step and ends the case failed', async () => {
        // Prepare
        const { fake, plan, others } = setupFailure();

        // Act
        const report = await run(plan, fake);

        // Assess
        expect(report.status).toBe('failed');
        expect(others.map((s) => outcomes(report)[s.id])).toEqual(others.map(() => 'succeeded'));
        expect(byType(fake, 'action-succeeded').map((e) => e.data.actionId)).toEqual(others.map((s) => s.id));
      });

      it('retries the failed step on the next run, without repeating what succeeded', async () => {
        // Prepare
        const { fake, plan, others } = setupFailure();
        await run(plan, fake);
        fake.recorder.heal('keys.createKey');
        const callsBefore = fake.recorder.calls.length;

        // Act
        const report = await run(plan, fake);

        // Assess
        expect(report.status).toBe('completed');
        expect(others.map((s) => outcomes(report)[s.id])).toEqual(others.map(() => 'already-done'));
        const newCalls = fake.recorder.calls.slice(callsBefore).map((c) => c.method);
        expect(newCalls).not.toContain('credentials.putUserPolicy');
        expect(newCalls.filter((m) => m === 'keys.createKey')).toHaveLength(1);
      });
    });

    it('records an unexpected error as ERR_FAILED', async () => {
      // Prepare
      const fake = setup();
      const step = planned({ type: 'delete-user', userName: 'mallory' }, 'u#delete');
      fake.recorder.failNext('credentials.deleteUser', new TypeError('cannot read properties of undefined'));

      // Act
      const report = await run(planOf(step), fake);

      // Assess
      expect(report.status).toBe('failed');
      expect(forStep(fake, 'action-failed', step)[0]?.data.error).toEqual({
        code: 'ERR_FAILED',
        message: 'cannot read properties of undefined',
      });
    });
  });

  describe('deferred steps', () => {
    const plan = planOf(...rotationSteps({ retireAt: RETIRE_AT }));
    const deferred = plan.steps.filter((s) => s.notBefore !== undefined);
    const due = plan.steps.filter((s) => s.notBefore === undefined);

    it('runs what is due, schedules each deferred step once, and leaves the case scheduled', async () => {
      // Prepare
      const fake = setup();

      // Act
      const report = await run(plan, fake);

      // Assess
      expect(report.status).toBe('scheduled');
      expect(outcomes(report)).toEqual(
        Object.fromEntries([...due.map((s) => [s.id, 'succeeded']), ...deferred.map((s) => [s.id, 'scheduled'])]),
      );
      expect(fake.recorder.of('scheduler.schedule').map((c) => c.args[0])).toEqual(
        deferred.map((s) => ({
          caseId: TEST_CASE_ID,
          stepId: s.id,
          dueAt: RETIRE_AT,
        })),
      );
      expect(byType(fake, 'step-deferred').map((e) => [e.data.actionId, e.data.dueAt])).toEqual(deferred.map((s) => [s.id, RETIRE_AT]));
      expect(byType(fake, 'step-deferred')[0]?.data.requestIds).toEqual([fake.recorder.of('scheduler.schedule')[0]?.requestId]);
      expect(fake.recorder.count('keys.disableKey')).toBe(0);
      expect(fake.registry.kids.size).toBe(0);
    });

    it('does not schedule again on a second run before the due time', async () => {
      // Prepare
      const fake = setup();
      await run(plan, fake);
      fake.clock.advance(60_000);
      const calls = fake.recorder.calls.length;

      // Act
      const report = await run(plan, fake);

      // Assess
      expect(report.status).toBe('scheduled');
      expect(fake.recorder.calls.length).toBe(calls);
      expect(byType(fake, 'step-deferred')).toHaveLength(deferred.length);
    });

    it('runs the deferred steps once the clock reaches their time, without scheduling them again', async () => {
      // Prepare
      const fake = setup();
      await run(plan, fake);
      fake.clock.set(RETIRE_AT);

      // Act
      const report = await run(plan, fake);

      // Assess
      expect(report.status).toBe('completed');
      expect(outcomes(report)).toEqual(
        Object.fromEntries([...due.map((s) => [s.id, 'already-done']), ...deferred.map((s) => [s.id, 'succeeded'])]),
      );
      expect(fake.recorder.count('scheduler.schedule')).toBe(deferred.length);
      expect(fake.recorder.count('keys.createKey')).toBe(1);
      expect(fake.keys.key(OLD_KEY_ARN)?.state).toBe('PendingDeletion');
    });

    it('keeps a step that waits on a deferred step pending without scheduling it', async () => {
      // Prepare
      const fake = setup();
      const later = planned({ type: 'disable-key', keyArn: OLD_KEY_ARN }, `${OLD_KEY_ARN}#disable`, { notBefore: RETIRE_AT });
      const waiting = planned(
        {
          type: 'schedule-key-deletion',
          keyArn: OLD_KEY_ARN,
          pendingWindowInDays: 30,
        },
        `${OLD_KEY_ARN}#del`,
        { dependsOn: [later.id] },
      );

      // Act
      const report = await run(planOf(later, waiting), fake);

      // Assess
      expect(report.status).toBe('scheduled');
      expect(outcomes(report)).toEqual({
        [later.id]: 'scheduled',
        [waiting.id]: 'scheduled',
      });
      expect(fake.recorder.of('scheduler.schedule').map((c) => (c.args[0] as { stepId: string }).stepId)).toEqual([later.id]);
    });

    it('retries a throttled scheduler', async () => {
      // Prepare
      const fake = setup();
      const retry = recordingRetry();
      const later = planned({ type: 'disable-key', keyArn: OLD_KEY_ARN }, `${OLD_KEY_ARN}#disable`, { notBefore: RETIRE_AT });
      fake.recorder.failNext('scheduler.schedule', new PortError('ERR_THROTTLED', 'scheduler:CreateSchedule: throttled'));

      // Act
      const report = await run(planOf(later), fake, retry);

      // Assess
      expect(report.status).toBe('scheduled');
      expect(fake.recorder.count('scheduler.schedule')).toBe(2);
      expect(retry.delays).toHaveLength(1);
      expect(byType(fake, 'step-deferred')).toHaveLength(1);
    });

    it('reports failed rather than scheduled when something failed and something waits', async () => {
      // Prepare
      const fake = setup();
      const later = planned({ type: 'disable-key', keyArn: OLD_KEY_ARN }, `${OLD_KEY_ARN}#disable`, { notBefore: RETIRE_AT });
      const broken = planned({ type: 'delete-user', userName: 'mallory' }, 'u#delete');
      fake.recorder.failNext('credentials.deleteUser', new PortError('ERR_ACCESS_DENIED', 'denied'));

      // Act
      const report = await run(planOf(later, broken), fake);

      // Assess
      expect(report.status).toBe('failed');
    });
  });
});
