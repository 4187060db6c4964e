import type { PrincipalContext } from '../policy/evaluate.js';
import { statementMayMatchAction } from '../policy/index.js';
import type { PolicyDocument, PolicySource } from '../policy/types.js';
import type { AccountSnapshot, IamPrincipal, Tags } from '../snapshot/model.js';

/** The tag that ties an IAM user or role to a person in the HR system. */
export const EMPLOYEE_ID_TAG = 'employee-id';

/**
 * The IAM users and roles tagged `employee-id=<employeeId>`: the principals a departing engineer
 * starts from. Users first, then roles, each in snapshot order.
 *
 * @example
 * ```ts
 * resolvePrincipals(snapshot, 'E-1042').map((p) => p.arn); // ['arn:aws:iam::111122223333:user/alice']
 * ```
 */
export function resolvePrincipals(snapshot: AccountSnapshot, employeeId: string): IamPrincipal[] {
  const tagged = (p: IamPrincipal): boolean => p.tags[EMPLOYEE_ID_TAG] === employeeId;
  return [...snapshot.users.filter(tagged), ...snapshot.roles.filter(tagged)];
}

/**
 * Whether a trust policy may let an AWS principal pass session tags (`sts:TagSession`), which then
 * stand in for the role's own tags as `aws:PrincipalTag`. Read from the trust policy alone, its
 * conditions (on `aws:RequestTag`, `aws:TagKeys`) aside: the caller also needs `sts:TagSession` in
 * its own policies, so this may count a role whose tags nobody can in fact choose, never miss one.
 * Services and identity providers pass tags the engineer does not choose, and are not counted.
 */
export function allowsSessionTags(trust: PolicyDocument): boolean {
  return trust.statements.some(
    (s) =>
      s.effect === 'Allow' &&
      statementMayMatchAction(s, 'sts:TagSession') &&
      (s.notPrincipal !== undefined || s.principal === '*' || s.principal?.AWS !== undefined),
  );
}

/** A user or role with every policy that governs it, ready for evaluation. */
export interface PrincipalRecord {
  readonly index: number;
  readonly type: 'user' | 'role';
  readonly arn: string;
  readonly name: string;
  readonly tags: Tags;
  readonly employeeId?: string;
  /** Inline and attached policies of the principal (and of its groups, for a user). */
  readonly identity: readonly PolicySource[];
  readonly boundary?: PolicySource;
  readonly boundaryArn?: string;
  /** Group indices (users only). */
  readonly groups: readonly number[];
  readonly trust?: PolicySource;
  readonly serviceLinked: boolean;
  /** A role an AWS principal may assume with session tags of its choosing (see {@link allowsSessionTags}). */
  readonly sessionTags: boolean;
  readonly context: PrincipalContext;
  /** Number of access keys (users; 0 when unknown). */
  readonly accessKeys: number;
  /** Whether the user has a console password: `undefined` when the snapshot has no credentials for it. */
  readonly loginProfile: boolean | undefined;
}

export interface GroupRecord {
  readonly index: number;
  readonly arn: string;
  readonly name: string;
  readonly identity: readonly PolicySource[];
  readonly members: readonly number[];
}

export interface ManagedPolicyRecord {
  readonly index: number;
  readonly arn: string;
  /** AWS-managed policies cannot get new versions. */
  readonly customerManaged: boolean;
  /** Principals governed by the policy: attached directly or through a group. */
  readonly governs: readonly number[];
  /** Groups it is attached to. */
  readonly groups: readonly number[];
  /** Principals whose permissions boundary it is. */
  readonly bounds: readonly number[];
}

/** Policy id of an inline policy: `<owner ARN>#inline:<name>`. */
export const inlinePolicyId = (ownerArn: string, name: string): string => `${ownerArn}#inline:${name}`;

/** Policy id of a role's trust policy. */
export const trustPolicyId = (roleArn: string): string => `${roleArn}#trust`;

/** Every principal, group and managed policy of a snapshot, indexed for the reach engine. */
export class PrincipalDirectory {
  readonly principals: readonly PrincipalRecord[];
  readonly groups: readonly GroupRecord[];
  readonly policies: readonly ManagedPolicyRecord[];
  readonly byArn: ReadonlyMap<string, number>;
  readonly warnings: readonly string[];

  constructor(snapshot: AccountSnapshot) {
    const warnings: string[] = [];
    const accountId = snapshot.account.accountId;
    const managed = new Map<string, PolicySource>();
    const managedSource = (arn: string, owner: string): PolicySource | undefined => {
      const cached = managed.get(arn);
      if (cached !== undefined) return cached;
      const policy = snapshot.managedPolicies.get(arn);
      if (policy === undefined) {
        warnings.push(`managed policy ${arn} (attached to ${owner}) is not in the snapshot: its permissions are not analysed`);
        return undefined;
      }
      const source: PolicySource = { id: arn, kind: 'identity', document: policy.document };
      managed.set(arn, source);
      return source;
    };
    const ownSources = (owner: {
      arn: string;
      inlinePolicies: readonly { name: string; document: PolicySource['document'] }[];
      attachedPolicyArns: readonly string[];
    }): PolicySource[] => {
      const out: PolicySource[] = owner.inlinePolicies.map((p) => ({
        id: inlinePolicyId(owner.arn, p.name),
        kind: 'identity' as const,
        document: p.document,
      }));
      for (const arn of owner.attachedPolicyArns) {
        const s = managedSource(arn, owner.arn);
        if (s !== undefined) out.push(s);
      }
      return out;
    };

    const groupIndex = new Map<string, number>();
    const attachedGroups = new Map<string, number[]>();
    const groupSources = snapshot.groups.map((g, i) => {
      groupIndex.set(g.name, i);
      for (const arn of g.attachedPolicyArns) {
        const list = attachedGroups.get(arn);
        if (list === undefined) attachedGroups.set(arn, [i]);
        else list.push(i);
      }
      return ownSources(g);
    });
    const members: number[][] = snapshot.groups.map(() => []);

    const governs = new Map<string, number[]>();
    const bounds = new Map<string, number[]>();
    const add = (map: Map<string, number[]>, key: string, value: number): void => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [value]);
      else if (list[list.length - 1] !== value) list.push(value);
    };

    const principals: PrincipalRecord[] = [];
    const all: IamPrincipal[] = [...snapshot.users, ...snapshot.roles];
    for (const p of all) {
      const index = principals.length;
      const identity = ownSources(p);
      for (const arn of p.attachedPolicyArns) add(governs, arn, index);
      const groups: number[] = [];
      if (p.type === 'user') {
        for (const name of p.groupNames) {
          const g = groupIndex.get(name);
          if (g === undefined) {
            warnings.push(`group ${name} of ${p.arn} is not in the snapshot: its permissions are not analysed`);
            continue;
          }
          groups.push(g);
          (members[g] as number[]).push(index);
          for (const s of groupSources[g] as PolicySource[]) if (!identity.includes(s)) identity.push(s);
          for (const arn of (snapshot.groups[g] as { attachedPolicyArns: readonly string[] }).attachedPolicyArns) add(governs, arn, index);
        }
      }
      let boundary: PolicySource | undefined;
      if (p.permissionsBoundaryArn !== undefined) {
        add(bounds, p.permissionsBoundaryArn, index);
        const doc = snapshot.managedPolicies.get(p.permissionsBoundaryArn);
        if (doc === undefined) {
          warnings.push(
            `permissions boundary ${p.permissionsBoundaryArn} of ${p.arn} is not in the snapshot: ${p.name} is analysed without a boundary`,
          );
        } else boundary = { id: p.permissionsBoundaryArn, kind: 'permissions-boundary', document: doc.document };
      }
      const creds = p.type === 'user' ? snapshot.credentials.get(p.name) : undefined;
      const employeeId = p.tags[EMPLOYEE_ID_TAG];
      const sessionTags = p.type === 'role' && allowsSessionTags(p.trustPolicy);
      principals.push({
        index,
        type: p.type,
        arn: p.arn,
        name: p.name,
        tags: p.tags,
        ...(employeeId !== undefined ? { employeeId } : {}),
        identity,
        ...(boundary !== undefined ? { boundary } : {}),
        ...(p.permissionsBoundaryArn !== undefined ? { boundaryArn: p.permissionsBoundaryArn } : {}),
        groups,
        ...(p.type === 'role' ? { trust: { id: trustPolicyId(p.arn), kind: 'trust' as const, document: p.trustPolicy } } : {}),
        serviceLinked: p.type === 'role' && p.serviceLinked,
        sessionTags,
        context: { arn: p.arn, accountId, type: p.type, id: p.id, name: p.name, tags: p.tags, sessionTags },
        accessKeys: creds?.accessKeys.length ?? 0,
        loginProfile: creds === undefined ? undefined : creds.loginProfile !== undefined,
      });
    }

    this.groups = snapshot.groups.map((g, i) => ({
      index: i,
      arn: g.arn,
      name: g.name,
      identity: groupSources[i] as PolicySource[],
      members: members[i] as number[],
    }));
    this.policies = [...snapshot.managedPolicies.values()].map((mp, i) => ({
      index: i,
      arn: mp.arn,
      customerManaged: !/^arn:[^:]+:iam::aws:/.test(mp.arn),
      governs: governs.get(mp.arn) ?? [],
      groups: attachedGroups.get(mp.arn) ?? [],
      bounds: bounds.get(mp.arn) ?? [],
    }));
    this.principals = principals;
    this.byArn = new Map(principals.map((p) => [p.arn, p.index]));
    this.warnings = warnings;
  }
}
