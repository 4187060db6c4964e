import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  IAMClient,
  type IAMClientConfig,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { PortError } from '../../core/errors.js';
import type { CallRecord, CredentialStore } from '../../core/ports.js';
import { callPort } from './errors.js';

export interface IamCredentialStoreOptions {
  /** @default new IAMClient(clientConfig) */
  readonly client?: IAMClient;
  readonly clientConfig?: IAMClientConfig;
}

/**
 * Removes an IAM user's ways in: quarantine policy, access keys, console password, SSH keys,
 * signing certificates, service-specific credentials, MFA devices, group memberships and finally
 * the user itself.
 *
 * Every removal treats `NoSuchEntity` as "already done" (`ERR_ALREADY_DONE`), so a retried or
 * resumed case never fails on what an earlier attempt or an administrator already removed.
 * A quarantine policy for a user that no longer exists is also already done: nobody can sign
 * in as a deleted user.
 *
 * Several IAM operations act on the caller's own identity when `UserName` is omitted; every
 * method refuses an empty user name so Sever can never quarantine or strip itself.
 *
 * Needs `iam:PutUserPolicy`, `iam:UpdateAccessKey`, `iam:DeleteAccessKey`,
 * `iam:DeleteLoginProfile`, `iam:DeleteSSHPublicKey`, `iam:DeleteSigningCertificate`,
 * `iam:DeleteServiceSpecificCredential`, `iam:DeactivateMFADevice`, `iam:DeleteVirtualMFADevice`,
 * `iam:RemoveUserFromGroup` and `iam:DeleteUser`.
 *
 * @example
 * ```ts
 * const credentials = new IamCredentialStore();
 * await credentials.updateAccessKey('alice', 'AKIAEXAMPLE', 'Inactive');
 * ```
 */
export class IamCredentialStore implements CredentialStore {
  readonly #client: IAMClient;

  constructor(options: IamCredentialStoreOptions = {}) {
    this.#client = options.client ?? new IAMClient(options.clientConfig ?? {});
  }

  /** The policy document is sent to IAM only; it never appears in an error. */
  async putUserPolicy(userName: string, policyName: string, policy: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:PutUserPolicy', 'userName');
    return callPort({ operation: 'iam:PutUserPolicy', resource: `user ${UserName} policy ${policyName}`, goneMeansDone: true }, () =>
      this.#client.send(new PutUserPolicyCommand({ UserName, PolicyName: policyName, PolicyDocument: policy })),
    );
  }

  async updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:UpdateAccessKey', 'userName');
    return callPort({ operation: 'iam:UpdateAccessKey', resource: `access key ${accessKeyId} of ${UserName}`, goneMeansDone: true }, () =>
      this.#client.send(new UpdateAccessKeyCommand({ UserName, AccessKeyId: accessKeyId, Status: status })),
    );
  }

  async deleteAccessKey(userName: string, accessKeyId: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeleteAccessKey', 'userName');
    return callPort({ operation: 'iam:DeleteAccessKey', resource: `access key ${accessKeyId} of ${UserName}`, goneMeansDone: true }, () =>
      this.#client.send(new DeleteAccessKeyCommand({ UserName, AccessKeyId: accessKeyId })),
    );
  }

  async deleteLoginProfile(userName: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeleteLoginProfile', 'userName');
    return callPort({ operation: 'iam:DeleteLoginProfile', resource: `login profile of ${UserName}`, goneMeansDone: true }, () =>
      this.#client.send(new DeleteLoginProfileCommand({ UserName })),
    );
  }

  async deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeleteSSHPublicKey', 'userName');
    return callPort(
      { operation: 'iam:DeleteSSHPublicKey', resource: `SSH public key ${sshPublicKeyId} of ${UserName}`, goneMeansDone: true },
      () => this.#client.send(new DeleteSSHPublicKeyCommand({ UserName, SSHPublicKeyId: sshPublicKeyId })),
    );
  }

  async deleteSigningCertificate(userName: string, certificateId: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeleteSigningCertificate', 'userName');
    return callPort(
      { operation: 'iam:DeleteSigningCertificate', resource: `signing certificate ${certificateId} of ${UserName}`, goneMeansDone: true },
      () => this.#client.send(new DeleteSigningCertificateCommand({ UserName, CertificateId: certificateId })),
    );
  }

  async deleteServiceSpecificCredential(userName: string, credentialId: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeleteServiceSpecificCredential', 'userName');
    return callPort(
      {
        operation: 'iam:DeleteServiceSpecificCredential',
        resource: `service-specific credential ${credentialId} of ${UserName}`,
        goneMeansDone: true,
      },
      () => this.#client.send(new DeleteServiceSpecificCredentialCommand({ UserName, ServiceSpecificCredentialId: credentialId })),
    );
  }

  async deactivateMfaDevice(userName: string, serialNumber: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeactivateMFADevice', 'userName');
    return callPort(
      { operation: 'iam:DeactivateMFADevice', resource: `MFA device ${serialNumber} of ${UserName}`, goneMeansDone: true },
      () => this.#client.send(new DeactivateMFADeviceCommand({ UserName, SerialNumber: serialNumber })),
    );
  }

  /** IAM refuses (`DeleteConflict`, a permanent `ERR_FAILED`) while the device is still enabled for a user. */
  async deleteVirtualMfaDevice(serialNumber: string): Promise<CallRecord> {
    const SerialNumber = requireName(serialNumber, 'iam:DeleteVirtualMFADevice', 'serialNumber');
    return callPort({ operation: 'iam:DeleteVirtualMFADevice', resource: `virtual MFA device ${SerialNumber}`, goneMeansDone: true }, () =>
      this.#client.send(new DeleteVirtualMFADeviceCommand({ SerialNumber })),
    );
  }

  async removeUserFromGroup(userName: string, groupName: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:RemoveUserFromGroup', 'userName');
    return callPort(
      { operation: 'iam:RemoveUserFromGroup', resource: `membership of ${UserName} in ${groupName}`, goneMeansDone: true },
      () => this.#client.send(new RemoveUserFromGroupCommand({ GroupName: groupName, UserName })),
    );
  }

  /** IAM refuses (`DeleteConflict`, a permanent `ERR_FAILED`) while anything is still attached to the user. */
  async deleteUser(userName: string): Promise<CallRecord> {
    const UserName = requireName(userName, 'iam:DeleteUser', 'userName');
    return callPort({ operation: 'iam:DeleteUser', resource: `user ${UserName}`, goneMeansDone: true }, () =>
      this.#client.send(new DeleteUserCommand({ UserName })),
    );
  }
}

/**
 * IAM reads a missing `UserName` as "the caller", so an empty name would turn a step against
 * the engineer into a step against Sever's own role. Refused before any call is made.
 */
function requireName(value: string, operation: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PortError('ERR_FAILED', `${operation}: ${field} is empty; refusing a call that IAM would apply to the caller itself`);
  }
  return value;
}
