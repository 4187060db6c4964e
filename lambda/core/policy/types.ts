/**
 * The normalised shape of an IAM policy document. Parsing (see `parse.ts`) turns every
 * single-or-array field into an array so evaluation never has to ask which one it got.
 */
export type Effect = 'Allow' | 'Deny';

/** A principal block: `"*"` or a map of principal type to values. */
export type PrincipalBlock = '*' | Readonly<Record<string, readonly string[]>>;

/** Condition block: operator → condition key → values. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface Statement {
  readonly sid?: string;
  readonly effect: Effect;
  /** Exactly one of action / notAction is set. */
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  /** Identity policies carry resource / notResource; trust policies may carry neither. */
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly principal?: PrincipalBlock;
  readonly notPrincipal?: PrincipalBlock;
  readonly condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly version?: string;
  /** The optional `Id` element. */
  readonly id?: string;
  readonly statements: readonly Statement[];
}

/** Where a policy came from, so every decision can name the policy and statement that made it. */
export interface PolicySource {
  /** e.g. a managed policy ARN, `arn:…:user/alice#inline:deploy`, a key ARN for a key policy. */
  readonly id: string;
  readonly kind: 'identity' | 'permissions-boundary' | 'resource' | 'trust' | 'scp' | 'rcp';
  readonly document: PolicyDocument;
}
