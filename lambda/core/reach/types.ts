/**
 * The public shape of reach analysis: what `sever plan --json` and `sever inventory --json` print.
 * These are contracts security engineers script against: extend them, never rename a field.
 */

/** What kind of signing material a reach entry is about. */
export type SigningMaterialKind = 'kms-sign' | 'kms-mac' | 'secret' | 'ssm-parameter';

/** `use` = produce signatures (or read the key material); `control` = decide who can, or plant a new key. */
export type ReachAccess = 'use' | 'control';

/**
 * A test the offline analysis could not decide. Either a policy condition on a key that only the
 * live request carries (`aws:SourceIp`, `kms:ViaService` …), or — with `policy` `sever:assumption` —
 * a fact the snapshot does not record (e.g. that a Lambda function running as a role exists).
 */
export interface ReachCondition {
  /** Policy id (managed policy ARN, `<principal ARN>#inline:<name>`, key/secret ARN, `<role ARN>#trust`, `scp[l][i]`), or `sever:assumption`. */
  readonly policy: string;
  /** Statement Sid, or its index when it has none; the escalation path id for assumptions. */
  readonly statement: string | number;
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

/** One statement that allowed a step. */
export interface StatementCitation {
  readonly policy: string;
  readonly statement: string | number;
}

/**
 * What a step achieves:
 * - `become`: the attacker acts as `to` from now on (assumes the role, mints the user's credentials, runs code as the role);
 * - `escalate`: `to` (a user, role, group or managed policy) is rewritten so the principals it governs may do anything their boundary and SCPs let them;
 * - `remove-boundary`: the permissions boundary of `to` stops limiting it;
 * - `join-group`: the attacker's user becomes a member of group `to`;
 * - `choose-tags`: the attacker chooses the `aws:PrincipalTag` values of `to` (tags it, or passes session tags);
 * - `choose-resource-tags`: the attacker chooses the `aws:ResourceTag` values of `to` (a signing key, secret,
 *   parameter or role) by tagging it;
 * - `access`: the final use or control of the signing material `to`.
 */
export type StepEffect = 'become' | 'escalate' | 'remove-boundary' | 'join-group' | 'choose-tags' | 'choose-resource-tags' | 'access';

/** One hop of a witness path, with the policy and statement that allow it. */
export interface WitnessStep {
  /** ARN of the principal performing the step. */
  readonly from: string;
  /** ARN of the principal, group, policy or signing material the step leads to. */
  readonly to: string;
  /** The action (or `+`-joined actions) performed, e.g. `sts:AssumeRole`, `iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction`, or `kms-grant` for a grant. */
  readonly via: string;
  /** The policy of the first statement that allows the step (grant: `<key ARN>#grant:<grant id>`). */
  readonly policy: string;
  /** Its Sid, or its index when it has none (grant: the grant id). */
  readonly statement: string | number;
  readonly effect: StepEffect;
  /** Escalation catalogue id of the technique (see escalation-catalog.ts), e.g. `sts-001`, `lambda-001`. */
  readonly escalation?: string;
  /** Every statement that had to allow the step (identity, boundary, resource/trust policy, one per SCP level …). */
  readonly allowedBy?: readonly StatementCitation[];
  /** Set when the step depends on something offline analysis cannot decide. */
  readonly conditions?: readonly ReachCondition[];
  /** For grant steps: the KMS grant id. */
  readonly grantId?: string;
}

/** A principal the employee could act as, with the first witness path found (empty for their own principals). */
export interface ReachablePrincipal {
  readonly arn: string;
  readonly type: 'user' | 'role';
  readonly path: readonly WitnessStep[];
  /** true when every known path depends on an undecidable condition. */
  readonly conditional: boolean;
  /** true when the employee could also act as this principal with an identity layer that allows everything. */
  readonly escalated: boolean;
  /** true when the employee could also strip this principal's permissions boundary. */
  readonly boundaryRemoved: boolean;
  /**
   * true when the employee could also act as this principal with `aws:PrincipalTag` values of
   * their choosing (tagging it, or passing session tags): its tag tests then count as undecidable.
   */
  readonly tagsChosen: boolean;
}

/** One piece of signing material and one kind of access to it. */
export interface ReachEntry {
  readonly resourceArn: string;
  readonly kind: SigningMaterialKind;
  readonly access: ReachAccess;
  /** true when no witness path is free of undecidable conditions. Conditional reach is still reach. */
  readonly conditional: boolean;
  /** The undecidable tests of the first witness path (present only when `conditional`). */
  readonly conditions?: readonly ReachCondition[];
  /** Witness paths, unconditional ones first; each ends with the `access` step. */
  readonly paths: readonly (readonly WitnessStep[])[];
  /** Every action found to give this access, e.g. `['kms:Sign']`, `['kms:CreateGrant', 'kms:PutKeyPolicy']`. */
  readonly actions: readonly string[];
  /** KMS key id (kms-sign, kms-mac). */
  readonly keyId?: string;
  /** KMS alias names (kms-sign, kms-mac). */
  readonly aliases?: readonly string[];
  /** Secret or parameter name. */
  readonly name?: string;
  /** Ids of the KMS grants that give this access (whatever the policies say). */
  readonly grants?: readonly string[];
}

/** The result of {@link computeReach}: the JSON of `sever plan --json`. */
export interface ReachReport {
  readonly employeeId: string;
  readonly accountId: string;
  /** The employee's own IAM users and roles (tagged `employee-id`). */
  readonly principals: readonly string[];
  readonly reachablePrincipals: readonly ReachablePrincipal[];
  /** Sorted by resource ARN, then `use` before `control`. */
  readonly reach: readonly ReachEntry[];
  /** Gaps in the snapshot that could hide reach (a policy referenced but missing …). */
  readonly warnings: readonly string[];
}

/** One human principal's standing blast radius: a row of `sever inventory`. */
export interface InventoryEntry {
  readonly principalArn: string;
  readonly principalType: 'user' | 'role';
  readonly employeeId: string;
  /** Distinct signing material reached (use or control, conditional included). */
  readonly signingKeys: number;
  /** Of those, reached by at least one path without undecidable conditions. */
  readonly unconditionalSigningKeys: number;
  /** Distinct signing material the principal could use. */
  readonly use: number;
  /** Distinct signing material the principal could control. */
  readonly control: number;
  readonly byKind: Readonly<Record<SigningMaterialKind, number>>;
  /** Principals it could act as, itself included. */
  readonly reachablePrincipals: number;
  /** Whether it could give some principal it can act as an identity layer that allows everything. */
  readonly escalatesToAdmin: boolean;
}

/** Tuning for {@link computeReach} and {@link computeInventory}. */
export interface ReachOptions {
  /**
   * Witness paths kept per reach entry.
   * @default 3
   */
  readonly maxPathsPerEntry?: number;
  /**
   * Whether compute workloads the snapshot cannot list (Lambda functions, EC2 instances, stacks …)
   * are assumed to exist for every role their service may assume. Paths through them are reported
   * as conditional with a `sever:assumption` condition. Turning this off misses real reach.
   * @default true
   */
  readonly assumeExistingWorkloads?: boolean;
  /**
   * Most groups one user is modelled as having been added to (through iam:AddUserToGroup).
   * @default 2
   */
  readonly maxAddedGroups?: number;
  /**
   * Share decisions wherever a request reads the same: between items (those a principal's
   * statements cover alike, those whose requests have equal signatures) and between principals
   * (equal statements and attributes for the request). Off, every principal decides every request
   * itself through `authorize`: the same answer, far slower; kept as the reference the shared
   * decisions are tested against.
   * @default true
   */
  readonly shareDecisions?: boolean;
}
