import type { PolicyDocument } from '../policy/types.js';

/**
 * The in-memory model of one AWS account, built from a snapshot directory (see
 * `parse.ts` and docs/snapshot-format.md). Everything reach analysis needs, nothing else.
 */
export interface AccountSnapshot {
  readonly account: AccountInfo;
  readonly users: readonly IamUser[];
  readonly groups: readonly IamGroup[];
  readonly roles: readonly IamRole[];
  /** Customer- and AWS-managed policies, keyed by ARN, at their default version. */
  readonly managedPolicies: ReadonlyMap<string, ManagedPolicy>;
  /** Attached policies the snapshot does not contain: reach through them cannot be proven either way. */
  readonly missingPolicyArns: readonly string[];
  readonly kmsKeys: readonly KmsKey[];
  readonly secrets: readonly Secret[];
  readonly parameters: readonly SsmParameter[];
  /** Per user name. Absent users have no recorded credentials. */
  readonly credentials: ReadonlyMap<string, UserCredentials>;
  readonly organization: OrganizationPolicies;
}

export interface AccountInfo {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
}

export type Tags = Readonly<Record<string, string>>;

export interface InlinePolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

interface PrincipalBase {
  readonly arn: string;
  readonly name: string;
  /** AIDA… / AROA… unique id, used by `aws:userid`. */
  readonly id: string;
  readonly path: string;
  readonly tags: Tags;
  readonly inlinePolicies: readonly InlinePolicy[];
  readonly attachedPolicyArns: readonly string[];
  readonly permissionsBoundaryArn?: string;
}

export interface IamUser extends PrincipalBase {
  readonly type: 'user';
  /** When the user was created (ISO-8601 or IAM's export format). */
  readonly createDate?: string;
  readonly groupNames: readonly string[];
}

export interface IamRole extends PrincipalBase {
  readonly type: 'role';
  readonly trustPolicy: PolicyDocument;
  /** Service-linked roles live under /aws-service-role/ and must never be modified. */
  readonly serviceLinked: boolean;
}

export type IamPrincipal = IamUser | IamRole;

export interface IamGroup {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly inlinePolicies: readonly InlinePolicy[];
  readonly attachedPolicyArns: readonly string[];
}

export interface ManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly document: PolicyDocument;
}

export type KeyUsage = 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'ENCRYPT_DECRYPT' | 'KEY_AGREEMENT';

export interface KmsAlias {
  readonly aliasName: string;
  readonly aliasArn: string;
}

export interface KmsGrant {
  readonly grantId: string;
  readonly granteePrincipal: string;
  readonly retiringPrincipal?: string;
  readonly operations: readonly string[];
  readonly name?: string;
}

export interface KmsKey {
  readonly arn: string;
  readonly keyId: string;
  readonly keySpec: string;
  readonly keyUsage: KeyUsage;
  readonly keyState: string;
  readonly keyManager: 'CUSTOMER' | 'AWS';
  readonly description: string;
  readonly policy: PolicyDocument;
  /** The key policy as AWS returned it, so a rotation can copy it faithfully. */
  readonly policyText: string;
  readonly aliases: readonly KmsAlias[];
  readonly grants: readonly KmsGrant[];
  readonly tags: Tags;
}

export interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly kmsKeyId?: string;
  readonly tags: Tags;
  readonly resourcePolicy?: PolicyDocument;
}

export interface SsmParameter {
  readonly name: string;
  readonly arn: string;
  readonly type: string;
  readonly keyId?: string;
  readonly tags: Tags;
}

export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive';
  readonly createDate?: string;
}

export interface UserCredentials {
  readonly accessKeys: readonly AccessKeyRecord[];
  readonly loginProfile?: { readonly createDate?: string };
  readonly sshPublicKeys: readonly { readonly sshPublicKeyId: string; readonly status: string }[];
  readonly signingCertificates: readonly { readonly certificateId: string; readonly status: string }[];
  readonly serviceSpecificCredentials: readonly {
    readonly serviceSpecificCredentialId: string;
    readonly serviceName: string;
    readonly status: string;
  }[];
  readonly mfaDevices: readonly { readonly serialNumber: string }[];
}

export interface OrganizationPolicies {
  /** One array of SCP documents per level, root first, account last. Empty: not in an organization. */
  readonly serviceControlPolicies: readonly (readonly PolicyDocument[])[];
  readonly resourceControlPolicies: readonly (readonly PolicyDocument[])[];
}
