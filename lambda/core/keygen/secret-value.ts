/**
 * Reading, rotating and checking a signing key stored as a secret value (a Secrets Manager
 * `SecretString` or an SSM `SecureString` parameter).
 *
 * Recognised shapes of the value:
 *
 * 1. `pem` — the whole value is PEM text with exactly one private key block:
 *    `PRIVATE KEY` (PKCS#8: RSA, RSA-PSS, EC, Ed25519, Ed448), `RSA PRIVATE KEY` (PKCS#1) or
 *    `EC PRIVATE KEY` (SEC1). The new key is written in the same PEM type.
 * 2. `jwk` — the whole value is a JSON object with a string `kty`: a private JWK (`kty` RSA, EC,
 *    OKP with `d`, or oct with `k`). The new key keeps every non-key member (`alg`, `use`,
 *    `key_ops`, custom members) and gets a fresh `kid`.
 * 3. `json-field` — the whole value is a JSON object without `kty`, and exactly one top-level
 *    member holds a private key: a PEM string (as in 1), a JWK object (as in 2) or a string that
 *    is JWK JSON. Only that member is replaced; every other byte of the value is kept.
 *
 * Things that travel with the key are rewritten with it, because leaving them would publish a
 * public key or id that no longer matches:
 * - PEM `PUBLIC KEY` / `RSA PUBLIC KEY` blocks and public JWKs (in the same PEM text, or in other
 *   top-level members) whose key is the public part of the private key. Public keys that do not
 *   match (a peer's key) are kept.
 * - top-level string members named `kid`, `keyId`, `key_id` (any case): set to the new key id.
 *
 * Refused, with a {@link KeygenError} naming the field or PEM label, never the value:
 * no private key or more than one; encrypted, OpenSSH or DSA private keys; X25519/X448 and curves
 * other than P-256, P-384, P-521, secp256k1; a certificate (PEM block or JWK `x5c`/`x5t`/`x5u`)
 * for the key, since a new key needs a new certificate (certificates of other keys are kept);
 * JWK Sets and other JSON (arrays, strings); binary values. Members nested deeper than the top
 * level are never inspected and are kept verbatim.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';
import { algorithmOf, describeAlgorithm, type KeyAlgorithm, sameAlgorithm } from './algorithm.js';
import { KeygenError } from './errors.js';
import { lineIndentAt, splice, stringifyLike, topLevelMembers } from './json-text.js';
import {
  codeOf,
  generateKeyLike,
  hasPrivatePart,
  isJwkLike,
  isKeyMember,
  type JsonObject,
  keyIdFor,
  keyMembersOf,
  loadPrivateJwk,
  loadPrivatePem,
  loadPublicJwk,
  loadPublicPem,
  privatePem,
  publicJwkOf,
  publicPem,
  sameKeyMaterial,
  selfTest,
  thumbprintOf,
} from './key-material.js';
import { findPemBlocks, looksLikePem, matchLineEndings, type PemBlock, type PemBlockRole, type PrivatePemType, roleOf } from './pem.js';

/** Where the key sits in the value. See the module comment for the recognised shapes. */
export type SecretShape =
  | { readonly kind: 'pem' }
  | { readonly kind: 'jwk' }
  | { readonly kind: 'json-field'; readonly field: string; readonly encoding: 'pem' | 'jwk' | 'jwk-json' };

/** How the key itself is written. */
export type KeyEncoding = { readonly format: 'pem'; readonly pemType: PrivatePemType } | { readonly format: 'jwk' };

/** What a secret value holds, without any key material. Safe to log and to record in the ledger. */
export interface SecretKeyInfo {
  readonly shape: SecretShape;
  readonly encoding: KeyEncoding;
  readonly algorithm: KeyAlgorithm;
  /** `describeAlgorithm(algorithm)`, for people. */
  readonly algorithmName: string;
  /**
   * The key id: the JWK's own `kid` when it has one, else the RFC 7638 thumbprint of the public
   * part. Absent for an HMAC key without `kid`.
   */
  readonly kid?: string;
  /** The public part with `kid` (and the private JWK's `alg`/`use`); absent for HMAC keys. */
  readonly publicJwk?: JWK;
  /** Places in the value that follow the key (public keys, key ids), e.g. `field "publicKey"`. */
  readonly derived: readonly string[];
}

/** The outcome of {@link rotateSecretValue}. */
export interface RotatedSecretValue {
  /** The new secret value. Secret: store it, never log it. */
  readonly value: string;
  readonly before: SecretKeyInfo;
  readonly after: SecretKeyInfo;
}

export interface SecretValueOptions {
  /** Names the value in error messages, e.g. `secret arn:…:secret:jwt (AWSPENDING)`. */
  readonly source?: string;
}

type DerivedSlot =
  | { readonly location: string; readonly kind: 'public'; readonly key: KeyObject }
  | { readonly location: string; readonly kind: 'kid'; readonly value: string };

interface ParsedSecret {
  readonly shape: SecretShape;
  readonly encoding: KeyEncoding;
  readonly key: KeyObject;
  readonly algorithm: KeyAlgorithm;
  readonly source: string;
  /** The private JWK, when the key is one: its `kid`, `alg` and `use` describe the key. */
  readonly jwk?: JsonObject;
  readonly derived: readonly DerivedSlot[];
  /** The same value with `key` replaced by `newKey` and every derived slot following it. */
  readonly rewrite: (newKey: KeyObject, newKid: string | undefined) => string;
}

const KID_MEMBER = /^(kid|key[-_]?id)$/i;

// ---------------------------------------------------------------------------------------------
// PEM text

interface ClassifiedBlock {
  readonly block: PemBlock;
  readonly role: PemBlockRole;
  readonly index: number;
}

const classify = (text: string, where: string): ClassifiedBlock[] =>
  findPemBlocks(text, where).map((block, index) => ({ block, role: roleOf(block), index }));

const blockName = ({ block, index }: ClassifiedBlock): string => `PEM block ${index + 1} (${block.label})`;

/** `prefix, PEM block n (LABEL)`: in messages `prefix` names the value, in derived locations the field. */
const blockLocation = (prefix: string, entry: ClassifiedBlock): string =>
  prefix === '' ? blockName(entry) : `${prefix}, ${blockName(entry)}`;

/** True when a certificate in `block` certifies `key`; such a certificate cannot survive rotation. */
const certifies = (block: PemBlock, key: KeyObject, where: string): boolean => {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(block.text);
  } catch (error) {
    throw new KeygenError('ERR_KEY_MALFORMED', `${where}: PEM block "${block.label}" does not parse as a certificate (${codeOf(error)})`);
  }
  return key.type === 'private' && certificate.checkPrivateKey(key);
};

const refuseCertificatesOf = (blocks: readonly ClassifiedBlock[], key: KeyObject, where: string): void => {
  for (const entry of blocks) {
    if (entry.role.role === 'certificate' && certifies(entry.block, key, where)) {
      throw new KeygenError(
        'ERR_KEY_BOUND_TO_CERTIFICATE',
        `${blockLocation(where, entry)} is a certificate for the key; a new key would need a new certificate`,
      );
    }
  }
};

/**
 * The public blocks of `blocks` that belong to `key`. `place` locates the PEM text inside the
 * value (`''` for the whole value, `field "x"` for a member), `where` names it in messages.
 */
const matchingPublicBlocks = (blocks: readonly ClassifiedBlock[], key: KeyObject, where: string, place: string): DerivedSlot[] =>
  blocks.flatMap((entry): DerivedSlot[] => {
    if (entry.role.role !== 'public') return [];
    const publicKey = loadPublicPem(entry.block.text, entry.role.pemType, blockLocation(where, entry));
    return sameKeyMaterial(publicKey, key) ? [{ location: blockLocation(place, entry), kind: 'public', key: publicKey }] : [];
  });

const rewritePemBlocks = (
  text: string,
  blocks: readonly ClassifiedBlock[],
  derived: readonly DerivedSlot[],
  place: string,
  newKey: KeyObject,
): string =>
  splice(
    text,
    blocks.flatMap((entry) => {
      const { block, role } = entry;
      if (role.role === 'private') {
        return [{ start: block.start, end: block.end, text: matchLineEndings(privatePem(newKey, role.pemType), block.text) }];
      }
      if (role.role === 'public' && derived.some((slot) => slot.location === blockLocation(place, entry))) {
        return [{ start: block.start, end: block.end, text: matchLineEndings(publicPem(newKey, role.pemType), block.text) }];
      }
      return [];
    }),
  );

interface PemPrivateKey {
  readonly key: KeyObject;
  readonly pemType: PrivatePemType;
  readonly derived: readonly DerivedSlot[];
  readonly rewrite: (newKey: KeyObject) => string;
}

/** Loads the one private key of a PEM text and the public blocks that belong to it. */
const parsePemText = (text: string, where: string, place: string): PemPrivateKey => {
  const blocks = classify(text, where);
  const privates = blocks.filter(({ role }) => role.role === 'private' || role.role === 'unsupported-private');
  if (privates.length === 0) {
    const labels = blocks.map(({ block }) => block.label);
    throw new KeygenError(
      'ERR_KEY_NOT_FOUND',
      `${where}: PEM text holds no private key${labels.length > 0 ? ` (blocks: ${labels.join(', ')})` : ''}`,
    );
  }
  if (privates.length > 1) {
    throw new KeygenError('ERR_KEY_AMBIGUOUS', `${where}: PEM text holds ${privates.length} private keys; expected exactly one`);
  }
  const [entry] = privates as [ClassifiedBlock];
  if (entry.role.role === 'unsupported-private') {
    throw new KeygenError('ERR_KEY_UNSUPPORTED', `${blockLocation(where, entry)} is not supported: ${entry.role.reason}`);
  }
  const pemType = (entry.role as { pemType: PrivatePemType }).pemType;
  const key = loadPrivatePem(entry.block.text, pemType, blockLocation(where, entry));
  refuseCertificatesOf(blocks, key, where);
  const derived = matchingPublicBlocks(blocks, key, where, place);
  return { key, pemType, derived, rewrite: (newKey) => rewritePemBlocks(text, blocks, derived, place, newKey) };
};

// ---------------------------------------------------------------------------------------------
// JWK

/** A JWK with new key material and `kid`, keeping the original's other members in order. */
const rewriteJwk = (original: JsonObject, newKey: KeyObject, newKid: string | undefined, includePrivate: boolean): JsonObject => {
  const fresh = keyMembersOf(newKey, includePrivate);
  const result: JsonObject = {};
  for (const [member, value] of Object.entries(original)) {
    if (member === 'kid') {
      if (newKid !== undefined) result.kid = newKid;
    } else if (isKeyMember(member)) {
      if (member in fresh) result[member] = fresh[member];
    } else {
      result[member] = value;
    }
  }
  for (const [member, value] of Object.entries(fresh)) if (!(member in result)) result[member] = value;
  if (newKid !== undefined && !('kid' in result)) result.kid = newKid;
  return result;
};

/** Replaces the JSON object text `original` (trimmed or not) by `value`, keeping its layout. */
const replaceJsonText = (original: string, value: unknown): string => {
  const leading = original.slice(0, original.length - original.trimStart().length);
  const trailing = original.slice(original.trimEnd().length);
  return leading + stringifyLike(value, original.trim(), '') + trailing;
};

const parseJsonSafely = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // The SyntaxError quotes the input; it must not travel.
    return { ok: false };
  }
};

// ---------------------------------------------------------------------------------------------
// The value as a whole

const parseWholePem = (value: string, source: string): ParsedSecret => {
  const pem = parsePemText(value, source, '');
  return {
    shape: { kind: 'pem' },
    encoding: { format: 'pem', pemType: pem.pemType },
    key: pem.key,
    algorithm: algorithmOf(pem.key, source),
    source,
    derived: pem.derived,
    rewrite: (newKey) => pem.rewrite(newKey),
  };
};

const parseWholeJwk = (value: string, jwk: JsonObject, source: string): ParsedSecret => {
  if (!hasPrivatePart(jwk)) {
    throw new KeygenError(
      'ERR_KEY_NOT_FOUND',
      `${source}: is a public JWK (kty ${String(jwk.kty)}); it has no private member "${jwk.kty === 'oct' ? 'k' : 'd'}"`,
    );
  }
  const key = loadPrivateJwk(jwk, source);
  return {
    shape: { kind: 'jwk' },
    encoding: { format: 'jwk' },
    key,
    algorithm: algorithmOf(key, source),
    source,
    jwk,
    derived: [],
    rewrite: (newKey, newKid) => replaceJsonText(value, rewriteJwk(jwk, newKey, newKid, true)),
  };
};

/** What one top-level member holds, as far as the key is concerned. */
type MemberContent =
  | { readonly kind: 'pem'; readonly text: string; readonly blocks: readonly ClassifiedBlock[] }
  | { readonly kind: 'jwk'; readonly jwk: JsonObject }
  | { readonly kind: 'jwk-json'; readonly text: string; readonly jwk: JsonObject }
  | { readonly kind: 'kid'; readonly value: string }
  | { readonly kind: 'jwk-set' }
  | { readonly kind: 'other' };

const contentOf = (name: string, member: unknown, where: string): MemberContent => {
  if (typeof member === 'string') {
    if (looksLikePem(member)) return { kind: 'pem', text: member, blocks: classify(member, where) };
    if (member.trimStart().startsWith('{')) {
      const parsed = parseJsonSafely(member);
      if (parsed.ok && isJwkLike(parsed.value)) return { kind: 'jwk-json', text: member, jwk: parsed.value };
    }
    return KID_MEMBER.test(name) ? { kind: 'kid', value: member } : { kind: 'other' };
  }
  if (isJwkLike(member)) return { kind: 'jwk', jwk: member };
  if (Array.isArray(member) && member.some(isJwkLike)) return { kind: 'jwk-set' };
  return { kind: 'other' };
};

const holdsPrivateKey = (content: MemberContent): boolean => {
  switch (content.kind) {
    case 'pem':
      return content.blocks.some(({ role }) => role.role === 'private' || role.role === 'unsupported-private');
    case 'jwk':
    case 'jwk-json':
      return hasPrivatePart(content.jwk);
    default:
      return false;
  }
};

const parseJsonFields = (value: string, root: JsonObject, source: string): ParsedSecret => {
  const members = topLevelMembers(value.trim()).map((span) => {
    const offset = value.length - value.trimStart().length;
    return { ...span, keyStart: span.keyStart + offset, valueStart: span.valueStart + offset, valueEnd: span.valueEnd + offset };
  });
  const contents = members.map((span) => {
    const where = `${source}, field ${JSON.stringify(span.key)}`;
    const member = JSON.parse(value.slice(span.valueStart, span.valueEnd)) as unknown;
    return { span, where, content: contentOf(span.key, member, where) };
  });

  const holders = contents.filter(({ content }) => holdsPrivateKey(content));
  if (holders.length === 0) {
    const sets = contents.filter(({ content }) => content.kind === 'jwk-set').map(({ span }) => JSON.stringify(span.key));
    const names = Object.keys(root).map((name) => JSON.stringify(name));
    throw new KeygenError(
      'ERR_KEY_NOT_FOUND',
      `${source}: JSON object with fields [${names.join(', ')}] has no top-level field holding a PEM private key or a private JWK` +
        (sets.length > 0 ? `; field ${sets.join(', ')} is a JWK Set, which is not supported` : ''),
    );
  }
  if (holders.length > 1) {
    throw new KeygenError(
      'ERR_KEY_AMBIGUOUS',
      `${source}: fields [${holders.map(({ span }) => JSON.stringify(span.key)).join(', ')}] each hold a private key; expected exactly one`,
    );
  }
  const [holder] = holders as [(typeof contents)[number]];
  const fieldName = holder.span.key;
  if (members.filter((span) => span.key === fieldName).length > 1) {
    throw new KeygenError('ERR_KEY_AMBIGUOUS', `${source}: field ${JSON.stringify(fieldName)} appears more than once`);
  }

  // The private key.
  let key: KeyObject;
  let encoding: KeyEncoding;
  let jwk: JsonObject | undefined;
  let shapeEncoding: 'pem' | 'jwk' | 'jwk-json';
  let derived: DerivedSlot[] = [];
  let rewriteHolder: (newKey: KeyObject, newKid: string | undefined) => string;
  const { content } = holder;
  if (content.kind === 'pem') {
    const pem = parsePemText(content.text, holder.where, `field ${JSON.stringify(holder.span.key)}`);
    key = pem.key;
    encoding = { format: 'pem', pemType: pem.pemType };
    shapeEncoding = 'pem';
    derived = [...pem.derived];
    rewriteHolder = (newKey) => JSON.stringify(pem.rewrite(newKey));
  } else if (content.kind === 'jwk') {
    const original = value.slice(holder.span.valueStart, holder.span.valueEnd);
    const indent = lineIndentAt(value, holder.span.keyStart);
    const privateJwk = content.jwk;
    key = loadPrivateJwk(privateJwk, holder.where);
    encoding = { format: 'jwk' };
    shapeEncoding = 'jwk';
    jwk = privateJwk;
    rewriteHolder = (newKey, newKid) => stringifyLike(rewriteJwk(privateJwk, newKey, newKid, true), original, indent);
  } else {
    const { text, jwk: privateJwk } = content as Extract<MemberContent, { kind: 'jwk-json' }>;
    key = loadPrivateJwk(privateJwk, holder.where);
    encoding = { format: 'jwk' };
    shapeEncoding = 'jwk-json';
    jwk = privateJwk;
    rewriteHolder = (newKey, newKid) => JSON.stringify(replaceJsonText(text, rewriteJwk(privateJwk, newKey, newKid, true)));
  }

  // Everything else that follows the key.
  const rewriters: { start: number; end: number; rewrite: (newKey: KeyObject, newKid: string | undefined) => string }[] = [
    { start: holder.span.valueStart, end: holder.span.valueEnd, rewrite: rewriteHolder },
  ];
  for (const other of contents) {
    if (other === holder) continue;
    const { span, where, content: sibling } = other;
    const location = `field ${JSON.stringify(span.key)}`;
    if (sibling.kind === 'pem') {
      refuseCertificatesOf(sibling.blocks, key, where);
      const matching = matchingPublicBlocks(sibling.blocks, key, where, location);
      if (matching.length > 0) {
        derived.push(...matching);
        rewriters.push({
          start: span.valueStart,
          end: span.valueEnd,
          rewrite: (newKey) => JSON.stringify(rewritePemBlocks(sibling.text, sibling.blocks, matching, location, newKey)),
        });
      }
    } else if (sibling.kind === 'jwk' || sibling.kind === 'jwk-json') {
      const publicKey = loadPublicJwk(sibling.jwk, where);
      if (!sameKeyMaterial(publicKey, key)) continue;
      derived.push({ location, kind: 'public', key: publicKey });
      const original = value.slice(span.valueStart, span.valueEnd);
      const indent = lineIndentAt(value, span.keyStart);
      rewriters.push({
        start: span.valueStart,
        end: span.valueEnd,
        rewrite:
          sibling.kind === 'jwk'
            ? (newKey, newKid) => stringifyLike(rewriteJwk(sibling.jwk, newKey, newKid, false), original, indent)
            : (newKey, newKid) => JSON.stringify(replaceJsonText(sibling.text, rewriteJwk(sibling.jwk, newKey, newKid, false))),
      });
    } else if (sibling.kind === 'kid') {
      derived.push({ location, kind: 'kid', value: sibling.value });
      rewriters.push({
        start: span.valueStart,
        end: span.valueEnd,
        // A key id that outlives its key makes verifiers trust a cached old key under the new id.
        rewrite: (_newKey, newKid) => JSON.stringify(newKid ?? sibling.value),
      });
    }
  }

  return {
    shape: { kind: 'json-field', field: fieldName, encoding: shapeEncoding },
    encoding,
    key,
    algorithm: algorithmOf(key, holder.where),
    source,
    ...(jwk === undefined ? {} : { jwk }),
    derived,
    rewrite: (newKey, newKid) =>
      splice(
        value,
        rewriters.map(({ start, end, rewrite }) => ({ start, end, text: rewrite(newKey, newKid) })),
      ),
  };
};

const parseSecret = (value: string, source: string): ParsedSecret => {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    const parsed = parseJsonSafely(trimmed);
    if (!parsed.ok) throw new KeygenError('ERR_KEY_MALFORMED', `${source}: starts like a JSON object but is not valid JSON`);
    const root = parsed.value as JsonObject;
    return isJwkLike(root) ? parseWholeJwk(value, root, source) : parseJsonFields(value, root, source);
  }
  if (looksLikePem(value)) return parseWholePem(value, source);
  if (trimmed.startsWith('[')) {
    throw new KeygenError('ERR_KEY_NOT_FOUND', `${source}: is a JSON array; expected PEM text, a JWK or a JSON object`);
  }
  throw new KeygenError(
    'ERR_KEY_NOT_FOUND',
    `${source}: is ${trimmed.length === 0 ? 'empty' : 'neither PEM text nor a JSON object'}; expected a PEM private key, a private JWK or a JSON object holding one`,
  );
};

// ---------------------------------------------------------------------------------------------
// Public API

const describeParsed = async (parsed: ParsedSecret): Promise<SecretKeyInfo> => {
  const ownKid = typeof parsed.jwk?.kid === 'string' ? parsed.jwk.kid : undefined;
  const kid = ownKid ?? (await thumbprintOf(parsed.key));
  const publicPart = publicJwkOf(parsed.key);
  const carried = Object.fromEntries(
    (['alg', 'use'] as const).flatMap((member) => (typeof parsed.jwk?.[member] === 'string' ? [[member, parsed.jwk[member]]] : [])),
  );
  return {
    shape: parsed.shape,
    encoding: parsed.encoding,
    algorithm: parsed.algorithm,
    algorithmName: describeAlgorithm(parsed.algorithm),
    ...(kid === undefined ? {} : { kid }),
    ...(publicPart === undefined ? {} : { publicJwk: { ...publicPart, ...carried, ...(kid === undefined ? {} : { kid }) } }),
    derived: parsed.derived.map(({ location }) => location).sort(),
  };
};

const shapeName = (shape: SecretShape): string =>
  shape.kind === 'json-field' ? `json-field ${JSON.stringify(shape.field)} (${shape.encoding})` : shape.kind;

const encodingName = (encoding: KeyEncoding): string => (encoding.format === 'pem' ? `PEM "${encoding.pemType}"` : 'JWK');

/** Fails unless `next` can stand in for `previous` for every consumer of the value. */
const assertReplaces = async (previous: ParsedSecret, next: ParsedSecret): Promise<SecretKeyInfo> => {
  const mismatch = (what: string, before: string, after: string): KeygenError =>
    new KeygenError('ERR_ROTATION_MISMATCH', `${next.source}: ${what} is ${after}, but ${previous.source} has ${before}`);
  if (shapeName(previous.shape) !== shapeName(next.shape)) throw mismatch('shape', shapeName(previous.shape), shapeName(next.shape));
  if (encodingName(previous.encoding) !== encodingName(next.encoding)) {
    throw mismatch('key encoding', encodingName(previous.encoding), encodingName(next.encoding));
  }
  if (!sameAlgorithm(previous.algorithm, next.algorithm)) {
    throw mismatch('algorithm', describeAlgorithm(previous.algorithm), describeAlgorithm(next.algorithm));
  }
  const before = previous.derived.map(({ location }) => location).sort();
  const after = next.derived.map(({ location }) => location).sort();
  if (before.join('\n') !== after.join('\n')) {
    throw mismatch('the set of places that follow the key', `[${before.join('; ')}]`, `[${after.join('; ')}]`);
  }
  if (sameKeyMaterial(previous.key, next.key)) {
    throw new KeygenError('ERR_ROTATION_UNCHANGED', `${next.source}: holds the same key as ${previous.source}`);
  }
  selfTest(next.key, next.source);
  const info = await describeParsed(next);
  for (const slot of next.derived) {
    if (slot.kind === 'kid' && slot.value !== info.kid) {
      throw new KeygenError('ERR_ROTATION_MISMATCH', `${next.source}: ${slot.location} does not carry the key's id`);
    }
  }
  return info;
};

/**
 * Describes the key a secret value holds: shape, encoding, algorithm, key id and public part.
 *
 * @throws {KeygenError} when the value is not one of the recognised shapes (module comment).
 * @example
 * ```ts
 * const info = await inspectSecretValue(secretString, { source: `secret ${arn}` });
 * info.algorithmName; // 'EC P-256'
 * ```
 */
export const inspectSecretValue = async (value: string, options: SecretValueOptions = {}): Promise<SecretKeyInfo> =>
  describeParsed(parseSecret(value, options.source ?? 'secret value'));

/**
 * Generates a new key of the same algorithm and size and writes it into a copy of `value` in
 * the same shape and format (PEM type, JWK members); see the module comment for what else
 * changes with it. The result is re-read and self-tested before it is returned.
 *
 * @throws {KeygenError} when the value is not one of the recognised shapes.
 * @example
 * ```ts
 * const rotated = await rotateSecretValue('{"privateKey":"-----BEGIN PRIVATE KEY-----\n…"}');
 * await store(rotated.value);
 * ledgerData({ before: rotated.before.kid, after: rotated.after.kid });
 * ```
 */
export const rotateSecretValue = async (value: string, options: SecretValueOptions = {}): Promise<RotatedSecretValue> => {
  const source = options.source ?? 'secret value';
  const current = parseSecret(value, source);
  const before = await describeParsed(current);
  const newKey = await generateKeyLike(current.algorithm);
  const rotated = current.rewrite(newKey, await keyIdFor(newKey));
  const after = await assertReplaces(current, parseSecret(rotated, `rotated ${source}`));
  return { value: rotated, before, after };
};

/**
 * Checks that `pending` is a valid replacement for `current`: same shape, encoding, algorithm
 * and derived places; different key material; the new key signs and verifies; derived public
 * keys and key ids match it.
 *
 * @throws {KeygenError} `ERR_ROTATION_MISMATCH`, `ERR_ROTATION_UNCHANGED`,
 *   `ERR_KEY_SELF_TEST_FAILED`, or any parsing error of either value.
 * @example
 * ```ts
 * const info = await verifyRotatedSecret(currentString, pendingString, { source: 'AWSPENDING' });
 * ```
 */
export const verifyRotatedSecret = async (
  current: string,
  pending: string,
  options: { readonly currentSource?: string; readonly pendingSource?: string } = {},
): Promise<SecretKeyInfo> =>
  assertReplaces(
    parseSecret(current, options.currentSource ?? 'current value'),
    parseSecret(pending, options.pendingSource ?? 'pending value'),
  );
