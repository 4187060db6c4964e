import type { PolicyDocument } from '../policy/types.js';
import type { TableItem } from './engine.js';
import { signatureStatements } from './policy-scan.js';

/**
 * Resource tags the attacker chooses. Whoever may tag a key, secret, parameter or role decides
 * what its `aws:ResourceTag` (and `secretsmanager:ResourceTag`, `ssm:resourceTag`) tests see, as
 * a caller passing session tags decides `aws:PrincipalTag`. The walk then asks for the item's
 * requests again as a "retagged" twin: the same item whose tags are unknown offline.
 */

/** Lower-cased condition keys and variable names that read the tags of the resource. */
const RESOURCE_TAG_KEY = /^(aws|secretsmanager|ssm):resourcetag\//;

/** The action that sets the tags of a role. */
export const ROLE_TAG_ACTION = 'iam:TagRole';

/** Whether any of these lower-cased keys reads the resource's tags. */
export const readsResourceTags = (keys: readonly string[]): boolean => keys.some((k) => RESOURCE_TAG_KEY.test(k));

/** Whether a statement of the document that may cover the action reads the resource's tags. */
export function documentReadsResourceTags(document: PolicyDocument, action: string): boolean {
  return signatureStatements(document, action).some((s) => readsResourceTags(s.keys));
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
  return { ...item, context, tagsChosen: true };
}
