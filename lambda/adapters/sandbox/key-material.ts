import { constants, createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/** Real key material for one sandbox KMS key, made with node:crypto. */
export type KeyMaterial =
  | {
      readonly kind: 'asymmetric';
      readonly privateKey: KeyObject;
      readonly publicKey: KeyObject;
      readonly signingAlgorithms: readonly string[];
    }
  | { readonly kind: 'hmac'; readonly secret: Buffer; readonly macAlgorithms: readonly string[] }
  | { readonly kind: 'symmetric'; readonly secret: Buffer };

const RSA_ALGORITHMS = [
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
];

/** Generates material for a KMS KeySpec the way KMS would, refusing specs KMS does not have. */
export function generateKeyMaterial(keySpec: string): KeyMaterial {
  const ec = (namedCurve: string, algorithm: string): KeyMaterial => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    return { kind: 'asymmetric', privateKey, publicKey, signingAlgorithms: [algorithm] };
  };
  switch (keySpec) {
    case 'ECC_NIST_P256':
      return ec('prime256v1', 'ECDSA_SHA_256');
    case 'ECC_NIST_P384':
      return ec('secp384r1', 'ECDSA_SHA_384');
    case 'ECC_NIST_P521':
      return ec('secp521r1', 'ECDSA_SHA_512');
    case 'ECC_SECG_P256K1':
      return ec('secp256k1', 'ECDSA_SHA_256');
    case 'ECC_NIST_EDWARDS25519': {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      return { kind: 'asymmetric', privateKey, publicKey, signingAlgorithms: ['ED25519_SHA_512'] };
    }
    case 'RSA_2048':
    case 'RSA_3072':
    case 'RSA_4096': {
      const modulusLength = Number(keySpec.slice(4));
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
      return { kind: 'asymmetric', privateKey, publicKey, signingAlgorithms: RSA_ALGORITHMS };
    }
    case 'HMAC_224':
    case 'HMAC_256':
    case 'HMAC_384':
    case 'HMAC_512': {
      const bits = Number(keySpec.slice(5));
      return { kind: 'hmac', secret: randomBytes(bits / 8), macAlgorithms: [`HMAC_SHA_${bits}`] };
    }
    case 'SYMMETRIC_DEFAULT':
      return { kind: 'symmetric', secret: randomBytes(32) };
    default:
      throw new Error(`the sandbox cannot make key material for KeySpec ${keySpec}`);
  }
}

/** SubjectPublicKeyInfo DER, as KMS GetPublicKey returns it. */
export function publicKeyDer(material: KeyMaterial): Uint8Array {
  if (material.kind !== 'asymmetric') throw new Error('only asymmetric keys have a public key');
  return new Uint8Array(material.publicKey.export({ format: 'der', type: 'spki' }));
}

/**
 * KMS Sign with MessageType RAW: ECDSA signatures come back DER-encoded, as KMS returns them,
 * so callers exercise the same conversion they need on AWS.
 */
export function kmsSign(material: KeyMaterial, message: Uint8Array, algorithm: string): Uint8Array {
  if (material.kind !== 'asymmetric') throw new Error('key is not a signing key');
  if (!material.signingAlgorithms.includes(algorithm)) throw new Error(`key does not support ${algorithm}`);
  const hash = /SHA_(\d{3})$/.exec(algorithm)?.[1];
  if (algorithm === 'ED25519_SHA_512') return new Uint8Array(sign(null, message, material.privateKey));
  const digest = `sha${hash}`;
  if (algorithm.startsWith('RSASSA_PSS')) {
    return new Uint8Array(
      sign(digest, message, { key: material.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(hash) / 8 }),
    );
  }
  return new Uint8Array(sign(digest, message, material.privateKey));
}

/** KMS GenerateMac. */
export function kmsMac(material: KeyMaterial, message: Uint8Array, algorithm: string): Uint8Array {
  if (material.kind !== 'hmac' || !material.macAlgorithms.includes(algorithm)) {
    throw new Error(`key does not support ${algorithm}`);
  }
  const bits = algorithm.slice('HMAC_SHA_'.length);
  return new Uint8Array(createHmac(`sha${bits}`, material.secret).update(message).digest());
}

/** PEM private keys for signing secrets and parameters seeded into the sandbox. */
export function generatePemPrivateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}
