import type { PolicySet, PrincipalContext, RequestContext, ResourceContext } from '../../../../lambda/core/policy/evaluate.js';
import { parsePolicyDocument } from '../../../../lambda/core/policy/parse.js';
import type { PolicyDocument, PolicySource } from '../../../../lambda/core/policy/types.js';

export const ACCOUNT_ID = '111122223333';
export const OTHER_ACCOUNT_ID = '444455556666';
export const ROOT_ARN = `arn:aws:iam::${ACCOUNT_ID}:root`;

export const alice: PrincipalContext = {
  arn: `arn:aws:iam::${ACCOUNT_ID}:user/engineering/alice`,
  accountId: ACCOUNT_ID,
  type: 'user',
  id: 'AIDAALICEEXAMPLE',
  name: 'alice',
  tags: { team: 'payments', CostCenter: '42' },
};

export const deployer: PrincipalContext = {
  arn: `arn:aws:iam::${ACCOUNT_ID}:role/ci/deployer`,
  accountId: ACCOUNT_ID,
  type: 'role',
  id: 'AROADEPLOYEREXAMPLE',
  name: 'deployer',
  tags: { team: 'platform' },
};

export const accountRoot: PrincipalContext = {
  arn: ROOT_ARN,
  accountId: ACCOUNT_ID,
  type: 'root',
  id: ACCOUNT_ID,
  name: 'root',
  tags: {},
};

export const DEPLOYER_SESSION_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/deployer/build-42`;

export const signingKey: ResourceContext = {
  arn: `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  accountId: ACCOUNT_ID,
  tags: { team: 'payments', purpose: 'jwt' },
};

export const secret: ResourceContext = {
  arn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT_ID}:secret:prod/signing-key-AbCdEf`,
  accountId: ACCOUNT_ID,
  tags: { team: 'payments' },
};

export const adminRole: ResourceContext = {
  arn: `arn:aws:iam::${ACCOUNT_ID}:role/admin`,
  accountId: ACCOUNT_ID,
  tags: {},
};

/** A parsed 2012-10-17 document from statement objects written as in IAM JSON. */
export function doc(statements: object | readonly object[], version = '2012-10-17'): PolicyDocument {
  return parsePolicyDocument({ Version: version, Statement: statements }, 'fixture');
}

export function source(kind: PolicySource['kind'], id: string, statements: object | readonly object[], version?: string): PolicySource {
  return { id, kind, document: doc(statements, version) };
}

export function identity(id: string, statements: object | readonly object[], version?: string): PolicySource {
  return source('identity', id, statements, version);
}

export function request(
  principal: PrincipalContext,
  action: string,
  resource: ResourceContext,
  context?: RequestContext['context'],
): RequestContext {
  return context === undefined ? { principal, action, resource } : { principal, action, resource, context };
}

export function policies(partial: Partial<PolicySet>): PolicySet {
  return { identity: [], resourceMode: 'none', scps: [], rcps: [], ...partial };
}

export const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };
