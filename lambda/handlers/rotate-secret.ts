import { z } from 'zod';
import { AwsJwksPublisher } from '../adapters/aws/jwks-publisher.js';
import { type PendingKeyPublisher, type RotationStepOutcome, SecretsManagerRotation } from '../adapters/aws/secrets-rotation.js';
import { jwksLocationFromTags } from '../core/tokens/jwks-location.js';
import { log } from './environment.js';

/** The event Secrets Manager invokes a rotation function with. */
const rotationEvent = z.object({
  Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
  SecretId: z.string().min(1),
  // Secrets Manager's own bounds for a version id.
  ClientRequestToken: z.string().min(32).max(64),
  /** Present for rotations that assume a role; sensitive, never logged. */
  RotationToken: z.string().min(1).optional(),
});

export type RotationEvent = z.infer<typeof rotationEvent>;

const jwks = new AwsJwksPublisher();

/**
 * setSecret's hook: a secret tagged `sever:jwks` has verifiers that fetch public keys there, and
 * they must know the new key before finishSecret makes it current. Untagged secrets publish nothing.
 */
const publishPendingKey: PendingKeyPublisher = async (publicJwk, context) => {
  const location = jwksLocationFromTags(context.tags);
  if (location === undefined) return;
  if (!location.ok) throw location.error;
  await jwks.publish(location.location, publicJwk);
};

/** Built once per container; the client's connections and credentials outlive invocations. */
const defaultRotation = new SecretsManagerRotation({ onPending: publishPendingKey });

/**
 * Builds the rotation function around a {@link SecretsManagerRotation}. Exported so tests and
 * other wirings (a publisher for new public keys) can supply their own.
 *
 * @example
 * ```ts
 * export const handler = createRotateSecretHandler(new SecretsManagerRotation({ onPending: publishToJwks }));
 * ```
 */
export const createRotateSecretHandler =
  (rotation: SecretsManagerRotation) =>
  async (event: unknown): Promise<RotationStepOutcome> => {
    const parsed = rotationEvent.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `rotation event is malformed: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      );
    }
    const { Step: step, SecretId: secretId, ClientRequestToken: token, RotationToken: rotationToken } = parsed.data;
    try {
      const outcome = await rotation.runStep(step, secretId, token, rotationToken);
      log('info', 'rotation step done', { ...outcome });
      return outcome;
    } catch (error) {
      // Every error raised on this path names ids, fields and labels only, never values.
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      log('error', 'rotation step failed', {
        step,
        secretId,
        versionId: token,
        ...(typeof code === 'string' ? { code } : {}),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };

/**
 * Secrets Manager's rotation function for secrets holding signing keys. Parses the event, runs
 * the step and logs what it did (ids, algorithm, kid; never the secret). Throwing fails the
 * step, so Secrets Manager leaves AWSCURRENT on the old version.
 */
export const handler = createRotateSecretHandler(defaultRotation);
