import { Buffer } from 'node:buffer';
import type { SandboxAccount } from './account.js';

const KMS_ALGORITHM_FOR_JWS: Readonly<Record<string, { kms: string; ecBytes?: number }>> = {
  ES256: { kms: 'ECDSA_SHA_256', ecBytes: 32 },
  ES384: { kms: 'ECDSA_SHA_384', ecBytes: 48 },
  ES512: { kms: 'ECDSA_SHA_512', ecBytes: 66 },
  RS256: { kms: 'RSASSA_PKCS1_V1_5_SHA_256' },
  RS384: { kms: 'RSASSA_PKCS1_V1_5_SHA_384' },
  RS512: { kms: 'RSASSA_PKCS1_V1_5_SHA_512' },
  PS256: { kms: 'RSASSA_PSS_SHA_256' },
};

/**
 * Issues a JWT the way a token service backed by KMS does: the signing input goes to kms:Sign
 * through an alias, and the DER ECDSA signature KMS returns is converted to JOSE's r‖s form.
 * The sandbox's relying-service stand-in uses it to mint real tokens before and after rotation.
 */
export function issueJwtWithKms(
  kms: Pick<SandboxAccount, 'sign'>,
  options: {
    readonly keyIdOrAlias: string;
    readonly alg: string;
    readonly kid: string;
    readonly claims: Readonly<Record<string, unknown>>;
  },
): string {
  const algorithm = KMS_ALGORITHM_FOR_JWS[options.alg];
  if (!algorithm) throw new Error(`unsupported JWS algorithm ${options.alg}`);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: options.alg, kid: options.kid, typ: 'JWT' })}.${encode(options.claims)}`;
  const { signature } = kms.sign(options.keyIdOrAlias, Buffer.from(signingInput), algorithm.kms);
  const jose = algorithm.ecBytes ? derToJose(signature, algorithm.ecBytes) : signature;
  return `${signingInput}.${Buffer.from(jose).toString('base64url')}`;
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } → r‖s, each left-padded to `size`. */
function derToJose(der: Uint8Array, size: number): Uint8Array {
  let offset = 2;
  if ((der[1] as number) & 0x80) offset += (der[1] as number) & 0x7f;
  const readInteger = (): Uint8Array => {
    if (der[offset] !== 0x02) throw new Error('malformed ECDSA signature');
    const length = der[offset + 1] as number;
    const value = der.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    const trimmed = value[0] === 0 ? value.subarray(1) : value;
    const out = new Uint8Array(size);
    out.set(trimmed, size - trimmed.length);
    return out;
  };
  const r = readInteger();
  const s = readInteger();
  return Buffer.concat([r, s]);
}
