import { z } from 'zod';
import { DynamoDbLedger } from '../adapters/aws/dynamodb-ledger.js';
import { EventBridgeStepScheduler } from '../adapters/aws/eventbridge-scheduler.js';
import { IamCredentialStore } from '../adapters/aws/iam-credentials.js';
import { IamSessionRevoker } from '../adapters/aws/iam-sessions.js';
import { AwsJwksPublisher } from '../adapters/aws/jwks-publisher.js';
import { KmsKeyManager } from '../adapters/aws/kms-key-manager.js';
import { DynamoDbRevocationRegistry } from '../adapters/aws/revocation-registry.js';
import { collectSnapshot, createSnapshotClients } from '../adapters/aws/snapshot-collector.js';
import { AwsStoredKeyRotator } from '../adapters/aws/stored-key-rotator.js';
import type { CaseDependencies } from '../core/case/handle-termination.js';
import type { CasePorts } from '../core/execute/ports.js';
import { DEFAULT_PLAN_CONFIG } from '../core/plan/build-plan.js';
import { computeReach } from '../core/reach/compute-reach.js';
import type { ReachReport } from '../core/reach/types.js';
import { parseSnapshot } from '../core/snapshot/parse.js';
import { jsonStringList, readEnvironment } from './environment.js';

/** What the revoke and deferred-step functions are told by the stack. */
export const caseEnvironment = {
  LEDGER_TABLE_NAME: z.string().min(1),
  REVOCATION_TABLE_NAME: z.string().min(1),
  PROTECTED_PRINCIPAL_ARNS: jsonStringList,
  SCHEDULER_GROUP_NAME: z.string().min(1),
  SCHEDULER_ROLE_ARN: z.string().startsWith('arn:'),
  DEFERRED_FUNCTION_ARN: z.string().startsWith('arn:'),
  /** Sever's rotation function, for signing-key secrets that have none of their own. */
  ROTATION_FUNCTION_ARN: z.string().startsWith('arn:').optional(),
  /** Where EventBridge Scheduler puts a deferred step it could not deliver. */
  SCHEDULER_DLQ_ARN: z.string().startsWith('arn:').optional(),
  KEY_DELETION_WINDOW_DAYS: z.coerce.number().int().min(7).max(30).default(30),
  DELETE_USERS: z.enum(['true', 'false']).default('false'),
};

const systemClock = { now: () => new Date() };

/**
 * The AWS ports, built once per container. Clients live as long as the container so
 * connections and credentials are reused across invocations.
 */
export function createAwsCaseDependencies(env: NodeJS.ProcessEnv = process.env): Omit<CaseDependencies<ReachReport>, 'actor'> {
  const config = readEnvironment(caseEnvironment, env);
  const ports: CasePorts = {
    credentials: new IamCredentialStore(),
    sessions: new IamSessionRevoker(),
    keys: new KmsKeyManager(),
    storedKeys: new AwsStoredKeyRotator(config.ROTATION_FUNCTION_ARN ? { rotationLambdaArn: config.ROTATION_FUNCTION_ARN } : {}),
    jwks: new AwsJwksPublisher(),
    registry: new DynamoDbRevocationRegistry({ tableName: config.REVOCATION_TABLE_NAME }),
    scheduler: new EventBridgeStepScheduler({
      groupName: config.SCHEDULER_GROUP_NAME,
      roleArn: config.SCHEDULER_ROLE_ARN,
      targetArn: config.DEFERRED_FUNCTION_ARN,
      ...(config.SCHEDULER_DLQ_ARN ? { deadLetterArn: config.SCHEDULER_DLQ_ARN } : {}),
    }),
    ledger: new DynamoDbLedger({ tableName: config.LEDGER_TABLE_NAME, clock: systemClock }),
    clock: systemClock,
  };
  const snapshotClients = createSnapshotClients();
  return {
    ports,
    loadSnapshot: async () => parseSnapshot((await collectSnapshot(snapshotClients)).files),
    analyseReach: computeReach,
    config: {
      ...DEFAULT_PLAN_CONFIG,
      protectedPrincipalArns: config.PROTECTED_PRINCIPAL_ARNS,
      keyDeletionWindowDays: config.KEY_DELETION_WINDOW_DAYS,
      deleteUsers: config.DELETE_USERS === 'true',
    },
  };
}
