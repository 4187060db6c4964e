import { statementMayMatchAction } from '../policy/index.js';
import type { PolicyDocument, Statement } from '../policy/types.js';
import type { TableItem } from './engine.js';
import { readKeys } from './policy-scan.js';

/**
 * Resource tags the attacker chooses. Whoever may tag a KMS key, secret, parameter, role or user
 * decides what its `aws:ResourceTag` (and `secretsmanager:ResourceTag`, `ssm:resourceTag`) tests
 * see, as a caller passing session tags decides `aws:PrincipalTag`. The walk then asks for the
 * item's requests again on a "retagged" twin: the same item whose tags are unknown offline.
 */

/** Lower-cased condition keys and variable names that read the tags of the resource. */
const RESOURCE_TAG_KEY = /^(aws|secretsmanager|ssm):resourcetag\//;

/**
 * The actions that set, then those that remove, the tags of each kind of item. Removing a tag
 * counts as choosing the tags too: it can only take a tag away, but a test the item passed or
 * failed on it can then go the other way, so its tests are unknown all the same (this can flag,
 * never miss).
 */
export const TAG_ACTIONS = {
  kmsKey: ['kms:TagResource', 'kms:UntagResource'],
  secret: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
  parameter: ['ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource'],
  role: ['iam:TagRole', 'iam:UntagRole'],
  user: ['iam:TagUser', 'iam:UntagUser'],
} as const satisfies Record<string, readonly string[]>;

/** Whether any of these lower-cased keys reads the resource's tags. */
export const readsResourceTags = (keys: readonly string[]): boolean => keys.some((k) => RESOURCE_TAG_KEY.test(k));

const statementReadsTags = (s: Statement): boolean => readsResourceTags(readKeys(s));

/** The statements of documents that read the resource's tags (in a condition key or a variable). */
export function tagReadingStatements(documents: Iterable<PolicyDocument>): Statement[] {
  const found: Statement[] = [];
  for (const document of documents) for (const s of document.statements) if (statementReadsTags(s)) found.push(s);
  return found;
}

/** Whether one of the statements may cover one of the actions. */
export function coversAnyAction(statements: readonly Statement[], actions: readonly string[]): boolean {
  return statements.some((s) => actions.some((a) => statementMayMatchAction(s, a)));
}

/**
 * The item as the attacker may leave it: its tags unknown. Condition keys the context carries
 * from the tags (`secretsmanager:ResourceTag/…`) are dropped, so they are unknown too. The
 * compiled resource policies are the item's own.
 */
export function retaggedItem(item: TableItem): TableItem {
  let context = item.context;
  if (context !== undefined) {
    context = Object.fromEntries(Object.entries(context).filter(([k]) => !RESOURCE_TAG_KEY.test(k.toLowerCase())));
  }
  return { ...item, context, tagsUnknown: true };
}
