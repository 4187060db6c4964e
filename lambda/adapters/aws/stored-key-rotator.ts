import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import type { CallRecord, StoredKeyRotator } from '../../core/ports.js';
import { SecretsManagerRotation } from './secrets-rotation.js';
import { SsmParameterRotator } from './ssm-parameter-rotator.js';

export interface AwsStoredKeyRotatorOptions {
  /**
   * Starts Secrets Manager rotations.
   * @default new SecretsManagerRotation({ client: secretsManagerClient, clientConfig: secretsManagerClientConfig, rotationLambdaArn })
   */
  readonly secretRotation?: SecretsManagerRotation;
  /**
   * Rotates keys held in SSM parameters.
   * @default new SsmParameterRotator({ client: ssmClient, clientConfig: ssmClientConfig })
   */
  readonly parameterRotator?: SsmParameterRotator;
  /** Used only when `secretRotation` is not given. @default new SecretsManagerClient(secretsManagerClientConfig) */
  readonly secretsManagerClient?: SecretsManagerClient;
  readonly secretsManagerClientConfig?: SecretsManagerClientConfig;
  /** Used only when `parameterRotator` is not given. @default new SSMClient(ssmClientConfig) */
  readonly ssmClient?: SSMClient;
  readonly ssmClientConfig?: SSMClientConfig;
  /**
   * Sever's rotation function, set on secrets that have none yet; a secret with its own
   * rotation function keeps it. Without it, such a secret fails with `ERR_FAILED`.
   * @default none
   */
  readonly rotationLambdaArn?: string;
}

/**
 * The `StoredKeyRotator` port on AWS: signing keys held in Secrets Manager secrets or SSM
 * parameters. Both halves delegate to the service modules that own the logic, so the port and
 * the rotation Lambda share one implementation:
 *
 * - {@link rotateSecret} → `SecretsManagerRotation.rotateSecret` (secrets-rotation.ts):
 *   RotateSecret `{ SecretId, ClientRequestToken: token, RotateImmediately: true }` after a
 *   DescribeSecret. "Rotation already in progress" for this token's own rotation is
 *   `{ status: 'in-progress' }`; another rotation blocking this one is a retryable
 *   `ERR_CONFLICT`, because a rotation begun before the revocation may promote a value the
 *   engineer chose.
 * - {@link rotateParameter} → `SsmParameterRotator.rotateParameter` (ssm-parameter-rotator.ts):
 *   a new key of the same algorithm written as a new SecureString version under the same KMS
 *   key, labelled with the step so a retry does not rotate twice.
 *
 * Errors are `PortError`s translated at the boundary by those modules.
 *
 * @example
 * ```ts
 * const storedKeys = new AwsStoredKeyRotator({ rotationLambdaArn: process.env.ROTATION_FUNCTION_ARN });
 * const { status } = await storedKeys.rotateSecret(secretArn, rotationClientRequestToken(step.id));
 * const { version } = await storedKeys.rotateParameter('/payments/signing-key', step.id);
 * ```
 */
export class AwsStoredKeyRotator implements StoredKeyRotator {
  readonly #secrets: SecretsManagerRotation;
  readonly #parameters: SsmParameterRotator;

  constructor(options: AwsStoredKeyRotatorOptions = {}) {
    this.#secrets =
      options.secretRotation ??
      new SecretsManagerRotation({
        ...(options.secretsManagerClient ? { client: options.secretsManagerClient } : {}),
        ...(options.secretsManagerClientConfig ? { clientConfig: options.secretsManagerClientConfig } : {}),
        ...(options.rotationLambdaArn ? { rotationLambdaArn: options.rotationLambdaArn } : {}),
      });
    this.#parameters =
      options.parameterRotator ??
      new SsmParameterRotator({
        ...(options.ssmClient ? { client: options.ssmClient } : {}),
        ...(options.ssmClientConfig ? { clientConfig: options.ssmClientConfig } : {}),
      });
  }

  /** `token` is the rotation's ClientRequestToken (32–64 characters); the same token is the same rotation. */
  rotateSecret(secretArn: string, token: string): Promise<CallRecord & { readonly status: 'started' | 'in-progress' }> {
    return this.#secrets.rotateSecret(secretArn, token);
  }

  rotateParameter(name: string, stepId: string): Promise<CallRecord & { readonly version: number }> {
    return this.#parameters.rotateParameter(name, stepId);
  }
}
