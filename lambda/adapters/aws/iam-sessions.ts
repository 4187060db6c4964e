import { IAMClient, type IAMClientConfig, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { PortError } from '../../core/errors.js';
import type { CallRecord, SessionRevoker } from '../../core/ports.js';
import { callPort } from './errors.js';

export interface IamSessionRevokerOptions {
  /** @default new IAMClient(clientConfig) */
  readonly client?: IAMClient;
  readonly clientConfig?: IAMClientConfig;
}

/**
 * Cuts a role's live sessions. STS credentials cannot be recalled, so Sever attaches an inline
 * deny (built by core, e.g. on `aws:TokenIssueTime` or the engineer's source identity) that
 * every later request of those sessions is evaluated against.
 *
 * A role that no longer exists is a permanent `ERR_FAILED`, not "already done": the plan was
 * built from a snapshot in which the role existed, and a person should confirm why it vanished.
 * Needs `iam:PutRolePolicy`.
 *
 * @example
 * ```ts
 * const sessions = new IamSessionRevoker();
 * await sessions.putRolePolicy('deploy', 'SeverDenySessions-case-1', denyPolicyJson);
 * ```
 */
export class IamSessionRevoker implements SessionRevoker {
  readonly #client: IAMClient;

  constructor(options: IamSessionRevokerOptions = {}) {
    this.#client = options.client ?? new IAMClient(options.clientConfig ?? {});
  }

  /** The policy document is sent to IAM only; it never appears in an error. */
  async putRolePolicy(roleName: string, policyName: string, policy: string): Promise<CallRecord> {
    if (roleName.trim() === '' || policyName.trim() === '') {
      throw new PortError('ERR_FAILED', 'iam:PutRolePolicy: roleName and policyName must both be non-empty');
    }
    return callPort({ operation: 'iam:PutRolePolicy', resource: `role ${roleName} policy ${policyName}` }, () =>
      this.#client.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: policy })),
    );
  }
}
