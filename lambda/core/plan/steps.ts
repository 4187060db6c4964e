/**
 * A plan is an ordered list of steps. Each step has a deterministic id (case + type + target), so
 * running a plan twice, or resuming it halfway, finds the steps already done in the ledger and
 * never repeats them.
 */

/** Containment of the engineer's own IAM users: first, within seconds. */
export type ContainmentStep =
  | { readonly type: 'attach-quarantine-policy'; readonly userName: string }
  | { readonly type: 'deactivate-access-key'; readonly userName: string; readonly accessKeyId: string }
  | { readonly type: 'delete-login-profile'; readonly userName: string }
  | { readonly type: 'delete-access-key'; readonly userName: string; readonly accessKeyId: string }
  | { readonly type: 'delete-ssh-public-key'; readonly userName: string; readonly sshPublicKeyId: string }
  | { readonly type: 'delete-signing-certificate'; readonly userName: string; readonly certificateId: string }
  | {
      readonly type: 'delete-service-specific-credential';
      readonly userName: string;
      readonly serviceSpecificCredentialId: string;
    }
  | { readonly type: 'deactivate-mfa-device'; readonly userName: string; readonly serialNumber: string }
  | { readonly type: 'delete-virtual-mfa-device'; readonly serialNumber: string }
  | { readonly type: 'remove-user-from-group'; readonly userName: string; readonly groupName: string }
  | { readonly type: 'delete-user'; readonly userName: string };

/** Deny the engineer's temporary credentials on a role they could assume. */
export interface SessionStep {
  readonly type: 'deny-role-sessions';
  readonly roleName: string;
  /** Inline policy name; PutRolePolicy with the same name is idempotent. */
  readonly policyName: string;
  /** The policy document as JSON. */
  readonly policy: string;
}

/** Rotation of one KMS signing or MAC key and everything hanging off it. */
export type KeyRotationStep =
  | {
      readonly type: 'create-replacement-key';
      readonly oldKeyArn: string;
      readonly keySpec: string;
      readonly keyUsage: string;
      readonly description: string;
      /** The old key policy without statements naming the engineer's principals. */
      readonly policy: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  | { readonly type: 'publish-public-key'; readonly oldKeyArn: string; readonly jwksLocation: string }
  | { readonly type: 'move-alias'; readonly oldKeyArn: string; readonly aliasName: string }
  | { readonly type: 'revoke-grant'; readonly keyArn: string; readonly grantId: string }
  | { readonly type: 'disable-key'; readonly keyArn: string }
  | { readonly type: 'revoke-key-id'; readonly keyArn: string }
  | { readonly type: 'unpublish-public-key'; readonly keyArn: string; readonly jwksLocation: string }
  | { readonly type: 'schedule-key-deletion'; readonly keyArn: string; readonly pendingWindowInDays: number };

/** Signing keys kept in Secrets Manager or SSM Parameter Store. */
export type StoredKeyStep =
  | { readonly type: 'rotate-secret'; readonly secretArn: string }
  | { readonly type: 'rotate-parameter'; readonly parameterName: string; readonly parameterArn: string };

/** Tokens issued to the engineer stop verifying even where the key stays. */
export interface SubjectStep {
  readonly type: 'revoke-subject';
  readonly subject: string;
  /** Tokens of this subject issued before this instant (ISO-8601) stop verifying. */
  readonly issuedBefore: string;
}

export type StepSpec = ContainmentStep | SessionStep | KeyRotationStep | StoredKeyStep | SubjectStep;
export type StepType = StepSpec['type'];

export type PlannedStep = StepSpec & {
  /** Deterministic: `<caseId>/<type>/<target>`. */
  readonly id: string;
  /** What the step acts on: access key id, role ARN, key ARN, MFA serial … */
  readonly target: string;
  /** The step runs no earlier than this (ISO-8601); absent means at once. */
  readonly notBefore?: string;
  /** Steps whose results this one needs, by id. */
  readonly dependsOn: readonly string[];
  /** Why this step exists, for people reading the plan. */
  readonly reason: string;
};

export interface Plan {
  readonly caseId: string;
  readonly employeeId: string;
  readonly steps: readonly PlannedStep[];
  /** Things Sever will not touch, and why (protected principals, service-linked roles …). */
  readonly skipped: readonly { readonly target: string; readonly reason: string }[];
}
