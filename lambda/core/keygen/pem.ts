import { KeygenError } from './errors.js';

/** PEM types of a private key Sever can load and write back in the same type. */
export type PrivatePemType = 'PRIVATE KEY' | 'RSA PRIVATE KEY' | 'EC PRIVATE KEY';

/** PEM types of a public key that may sit next to a private key and must follow it. */
export type PublicPemType = 'PUBLIC KEY' | 'RSA PUBLIC KEY';

/** One `-----BEGIN X-----` … `-----END X-----` block, located in the text that holds it. */
export interface PemBlock {
  readonly label: string;
  /** Offset of the first `-` of the BEGIN line. */
  readonly start: number;
  /** Offset just past the last `-` of the END line. */
  readonly end: number;
  readonly text: string;
}

export type PemBlockRole =
  | { readonly role: 'private'; readonly pemType: PrivatePemType }
  | { readonly role: 'public'; readonly pemType: PublicPemType }
  | { readonly role: 'certificate' }
  /** Kept verbatim: the curve parameters `openssl ecparam -genkey` writes before the key. */
  | { readonly role: 'ec-parameters' }
  /** A private key Sever cannot load or rewrite: encrypted, OpenSSH, DSA … `reason` says which. */
  | { readonly role: 'unsupported-private'; readonly reason: string }
  /** Anything else: kept verbatim, it does not depend on the key. */
  | { readonly role: 'other' };

const PRIVATE_TYPES: readonly string[] = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'];
const PUBLIC_TYPES: readonly string[] = ['PUBLIC KEY', 'RSA PUBLIC KEY'];
const CERTIFICATE_TYPES: readonly string[] = ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'];

const BEGIN_LINE = /-----BEGIN ([^\r\n-]+)-----/g;

/** True when `text` contains PEM armour at all (cheap test before a full scan). */
export const looksLikePem = (text: string): boolean => text.includes('-----BEGIN ');

/**
 * Every PEM block of `text`, in order.
 *
 * @throws {KeygenError} `ERR_KEY_MALFORMED` when a BEGIN line has no matching END line.
 */
export const findPemBlocks = (text: string, where: string): PemBlock[] => {
  const blocks: PemBlock[] = [];
  BEGIN_LINE.lastIndex = 0;
  for (let match = BEGIN_LINE.exec(text); match !== null; match = BEGIN_LINE.exec(text)) {
    const label = match[1] ?? '';
    const endLine = `-----END ${label}-----`;
    const endAt = text.indexOf(endLine, match.index + match[0].length);
    if (endAt < 0) {
      throw new KeygenError('ERR_KEY_MALFORMED', `${where}: PEM block "${label}" has no matching END line`);
    }
    const end = endAt + endLine.length;
    blocks.push({ label, start: match.index, end, text: text.slice(match.index, end) });
    BEGIN_LINE.lastIndex = end;
  }
  return blocks;
};

/** What a block is for, from its label (and, for legacy encrypted keys, its headers). */
export const roleOf = (block: PemBlock): PemBlockRole => {
  if (PRIVATE_TYPES.includes(block.label)) {
    // RFC 1421 headers mark a legacy OpenSSL-encrypted key under the plain label.
    if (/^Proc-Type:\s*4,ENCRYPTED/m.test(block.text)) {
      return { role: 'unsupported-private', reason: 'it is encrypted and Sever holds no passphrase' };
    }
    return { role: 'private', pemType: block.label as PrivatePemType };
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY') {
    return { role: 'unsupported-private', reason: 'it is encrypted and Sever holds no passphrase' };
  }
  if (block.label.endsWith('PRIVATE KEY')) {
    return { role: 'unsupported-private', reason: 'only PKCS#8, PKCS#1 RSA and SEC1 EC private keys are supported' };
  }
  if (PUBLIC_TYPES.includes(block.label)) return { role: 'public', pemType: block.label as PublicPemType };
  if (CERTIFICATE_TYPES.includes(block.label)) return { role: 'certificate' };
  if (block.label === 'EC PARAMETERS') return { role: 'ec-parameters' };
  return { role: 'other' };
};

/** Formats fresh PEM output like the block it replaces (line endings; no trailing newline). */
export const matchLineEndings = (fresh: string, original: string): string => {
  const trimmed = fresh.trimEnd();
  return original.includes('\r\n') ? trimmed.replace(/\r?\n/g, '\r\n') : trimmed;
};
