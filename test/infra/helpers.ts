import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readSeverConfig } from '../../lib/config.js';
import { REPO_ROOT } from '../../lib/paths.js';
import { SeverStack } from '../../lib/sever-stack.js';

/** The context `cdk synth` runs with: cdk.json's, feature flags included. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface SynthOptions {
  /** Context merged over cdk.json's. */
  readonly context?: Record<string, unknown>;
}

/** Time for a first synthesis, which loads most of aws-cdk-lib, on a busy two-core machine. */
export const SYNTH_TIMEOUT_MS = 180_000;

/**
 * Builds the stack the way bin/app.ts does, with cdk.json's context, but without bundling: the
 * template is the same, and esbuild runs once in the app test instead of in every file.
 */
export function buildSever(options: SynthOptions = {}): { app: App; stack: SeverStack } {
  const app = new App({
    context: { ...cdkJsonContext(), ...options.context, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new SeverStack(app, 'Sever', { config: readSeverConfig(app.node) });
  return { app, stack };
}

/** {@link buildSever}, synthesized. */
export function synthSever(options: SynthOptions = {}): { app: App; stack: SeverStack; template: Template } {
  const built = buildSever(options);
  return { ...built, template: Template.fromStack(built.stack) };
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function normalize(statement: Record<string, unknown>): Statement {
  return {
    ...(statement as unknown as Statement),
    Action: asArray(statement.Action as string | string[]),
    Resource: asArray(statement.Resource as unknown),
  };
}

/** Logical ids of every resource of a type. */
export function logicalIdsOf(template: Template, type: string): string[] {
  return Object.keys(template.findResources(type));
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalIdStartingWith(template: Template, type: string, prefix: string): string {
  const ids = logicalIdsOf(template, type).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/**
 * Every statement that applies to a role: its inline policies, the AWS::IAM::Policy resources
 * attached to it and the customer-managed policies it references.
 */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const resources = template.toJSON().Resources as Resources;
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const documents: Array<{ Statement: Record<string, unknown>[] }> = [];
  for (const policy of asArray(role.Properties?.Policies as Array<{ PolicyDocument: { Statement: Record<string, unknown>[] } }>)) {
    documents.push(policy.PolicyDocument);
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = asArray(resource.Properties?.Roles as Array<{ Ref?: string }>);
    if (roles.some((ref) => ref.Ref === roleId)) {
      documents.push(resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] });
    }
  }
  for (const arn of asArray(role.Properties?.ManagedPolicyArns as Array<{ Ref?: string }>)) {
    const managed = arn.Ref === undefined ? undefined : resources[arn.Ref];
    if (managed?.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(managed.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] });
    } else {
      throw new Error(`${roleId} has a managed policy that is not defined in the stack: ${JSON.stringify(arn)}`);
    }
  }
  return documents.flatMap((document) => document.Statement.map(normalize));
}

/** Logical ids of the roles Lambda functions run as. */
export function functionRoleIds(template: Template): string[] {
  const functions = template.findResources('AWS::Lambda::Function');
  return Object.values(functions).map((fn) => {
    const role = (fn.Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role;
    return role['Fn::GetAtt'][0];
  });
}

/** The role logical id of the function whose logical id starts with `prefix` (e.g. `RevokeFunction`). */
export function roleOfFunction(template: Template, prefix: string): string {
  const fnId = logicalIdStartingWith(template, 'AWS::Lambda::Function', prefix);
  const fn = template.toJSON().Resources[fnId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  return fn.Properties.Role['Fn::GetAtt'][0];
}

/** Whether an IAM action pattern (`iam:Put*`) matches an action (`iam:PutUserPolicy`). */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(action);
}
