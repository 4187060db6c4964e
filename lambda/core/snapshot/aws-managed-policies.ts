import { parsePolicyDocument } from '../policy/parse.js';
import type { ManagedPolicy } from './model.js';

/**
 * AWS-managed policies that grant broad power, as AWS publishes them. `get-account-authorization-details`
 * exports frequently leave AWS-managed policies out; without these an administrator would look
 * powerless and reach would be missed. Narrow AWS-managed policies are not worth carrying.
 */
const DOCUMENTS: Readonly<Record<string, object>> = {
  AdministratorAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  },
  PowerUserAccess: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: [
          'account:GetAccountInformation',
          'account:GetPrimaryEmail',
          'account:ListRegions',
          'iam:CreateServiceLinkedRole',
          'iam:DeleteServiceLinkedRole',
          'iam:ListRoles',
          'organizations:DescribeOrganization',
        ],
        Resource: '*',
      },
    ],
  },
  IAMFullAccess: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'iam:*',
          'organizations:DescribeAccount',
          'organizations:DescribeOrganization',
          'organizations:DescribeOrganizationalUnit',
          'organizations:DescribePolicy',
          'organizations:ListChildren',
          'organizations:ListParents',
          'organizations:ListPoliciesForTarget',
          'organizations:ListRoots',
          'organizations:ListPolicies',
          'organizations:ListTargetsForPolicy',
        ],
        Resource: '*',
      },
    ],
  },
};

/** The built-in document for an AWS-managed policy ARN in any partition, if Sever carries it. */
export function builtInManagedPolicies(arn: string): ManagedPolicy | undefined {
  const match = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn);
  const name = match?.[1];
  const document = name ? DOCUMENTS[name] : undefined;
  if (!name || !document) return undefined;
  return { arn, name, document: parsePolicyDocument(document, `built-in AWS managed policy ${name}`) };
}
