import type { PolicySource } from '../policy/types.js';
import type { AccountSnapshot, KmsGrant, KmsKey, Tags } from '../snapshot/model.js';
import { TAG_ACTIONS } from './retag.js';
import type { SigningMaterialKind } from './types.js';

/** Secrets and SSM parameters carrying this tag (value `true`) hold signing keys. */
export const SIGNING_KEY_TAG = 'sever:signing-key';

/** The customer-managed KMS key protecting a secret or parameter, as far as the snapshot knows it. */
export type Protection =
  /** AWS-managed or default key: whoever may read the value may decrypt it. */
  | { readonly kind: 'aws-managed' }
  | { readonly kind: 'customer'; readonly key: KmsKey; readonly policy: PolicySource }
  /** A customer key the snapshot does not hold (another account, or not collected). */
  | { readonly kind: 'missing'; readonly keyId: string };

/** One piece of signing material. */
export interface MaterialRecord {
  readonly index: number;
  readonly kind: SigningMaterialKind;
  readonly arn: string;
  readonly name?: string;
  readonly keyId?: string;
  readonly aliases?: readonly string[];
  readonly tags: Tags;
  /** Any one of these actions is `use`. */
  readonly useActions: readonly string[];
  /** Each of these actions is `control`. */
  readonly controlActions: readonly string[];
  /** The actions that set and remove the material's tags. */
  readonly tagActions: readonly string[];
  readonly resourcePolicy?: PolicySource;
  /** Condition keys known offline for requests on this material (kms:KeySpec …). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  readonly grants: readonly KmsGrant[];
  readonly protection?: Protection;
}

const KMS_CONTROL = ['kms:PutKeyPolicy', 'kms:CreateGrant'] as const;
const SECRET_USE = ['secretsmanager:GetSecretValue'] as const;
const SECRET_CONTROL = ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:PutResourcePolicy'] as const;
const PARAMETER_USE = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'] as const;
const PARAMETER_CONTROL = ['ssm:PutParameter'] as const;

/** KMS grant operation that gives `use` of a key of this kind. */
export const GRANT_USE_OPERATION: Readonly<Partial<Record<SigningMaterialKind, string>>> = {
  'kms-sign': 'Sign',
  'kms-mac': 'GenerateMac',
};

const isSigningTagged = (tags: Tags): boolean => (tags[SIGNING_KEY_TAG] ?? '').toLowerCase() === 'true';

/** Resolves a KeyId as Secrets Manager and SSM record it: key id, key ARN, alias name or alias ARN. */
function keyResolver(snapshot: AccountSnapshot): (ref: string) => KmsKey | undefined {
  const byRef = new Map<string, KmsKey>();
  for (const key of snapshot.kmsKeys) {
    byRef.set(key.keyId, key);
    byRef.set(key.arn, key);
    for (const a of key.aliases) {
      byRef.set(a.aliasName, key);
      byRef.set(a.aliasArn, key);
    }
  }
  return (ref) => byRef.get(ref);
}

function protection(ref: string | undefined, resolve: (ref: string) => KmsKey | undefined): Protection {
  if (ref === undefined || ref === '') return { kind: 'aws-managed' };
  const key = resolve(ref);
  if (key === undefined) {
    // `alias/aws/…` names AWS-managed keys, which never appear with their policies in a snapshot.
    return /(^|:)alias\/aws\//.test(ref) ? { kind: 'aws-managed' } : { kind: 'missing', keyId: ref };
  }
  if (key.keyManager === 'AWS') return { kind: 'aws-managed' };
  return { kind: 'customer', key, policy: { id: key.arn, kind: 'resource', document: key.policy } };
}

/**
 * Every piece of signing material in a snapshot: KMS keys for signing (SIGN_VERIFY) and MACs
 * (GENERATE_VERIFY_MAC), and secrets and SSM parameters tagged `sever:signing-key=true`.
 */
export function signingMaterial(snapshot: AccountSnapshot): MaterialRecord[] {
  const out: MaterialRecord[] = [];
  for (const key of snapshot.kmsKeys) {
    if (key.keyUsage !== 'SIGN_VERIFY' && key.keyUsage !== 'GENERATE_VERIFY_MAC') continue;
    const kind: SigningMaterialKind = key.keyUsage === 'SIGN_VERIFY' ? 'kms-sign' : 'kms-mac';
    const aliases = key.aliases.map((a) => a.aliasName);
    out.push({
      index: out.length,
      kind,
      arn: key.arn,
      keyId: key.keyId,
      aliases,
      tags: key.tags,
      useActions: [kind === 'kms-sign' ? 'kms:Sign' : 'kms:GenerateMac'],
      controlActions: KMS_CONTROL,
      tagActions: TAG_ACTIONS.kmsKey,
      resourcePolicy: { id: key.arn, kind: 'resource', document: key.policy },
      context: { 'kms:KeySpec': key.keySpec, 'kms:KeyUsage': key.keyUsage, 'kms:ResourceAliases': aliases },
      grants: key.grants,
    });
  }
  const resolve = keyResolver(snapshot);
  for (const secret of snapshot.secrets) {
    if (!isSigningTagged(secret.tags)) continue;
    const context: Record<string, string> = { 'secretsmanager:SecretId': secret.arn };
    for (const [k, v] of Object.entries(secret.tags)) context[`secretsmanager:ResourceTag/${k}`] = v;
    out.push({
      index: out.length,
      kind: 'secret',
      arn: secret.arn,
      name: secret.name,
      tags: secret.tags,
      useActions: SECRET_USE,
      controlActions: SECRET_CONTROL,
      tagActions: TAG_ACTIONS.secret,
      ...(secret.resourcePolicy !== undefined
        ? { resourcePolicy: { id: secret.arn, kind: 'resource' as const, document: secret.resourcePolicy } }
        : {}),
      context,
      grants: [],
      protection: protection(secret.kmsKeyId, resolve),
    });
  }
  for (const parameter of snapshot.parameters) {
    if (!isSigningTagged(parameter.tags)) continue;
    const context: Record<string, string> = {};
    for (const [k, v] of Object.entries(parameter.tags)) context[`ssm:resourceTag/${k}`] = v;
    out.push({
      index: out.length,
      kind: 'ssm-parameter',
      arn: parameter.arn,
      name: parameter.name,
      tags: parameter.tags,
      useActions: PARAMETER_USE,
      controlActions: PARAMETER_CONTROL,
      tagActions: TAG_ACTIONS.parameter,
      context,
      grants: [],
      protection: parameter.type === 'SecureString' ? protection(parameter.keyId, resolve) : { kind: 'aws-managed' },
    });
  }
  return out;
}

/** Condition keys a kms:Decrypt made on behalf of Secrets Manager or SSM carries. */
export function decryptContext(material: MaterialRecord, region: string): Record<string, string> {
  if (material.kind === 'secret') {
    return {
      'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
      'kms:EncryptionContext:SecretARN': material.arn,
    };
  }
  return {
    'kms:ViaService': `ssm.${region}.amazonaws.com`,
    'kms:EncryptionContext:PARAMETER_ARN': material.arn,
  };
}
