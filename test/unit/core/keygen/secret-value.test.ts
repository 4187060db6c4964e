import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { inspectSecretValue, rotateSecretValue, verifyRotatedSecret } from '../../../../lambda/core/keygen/secret-value.js';
import {
  certificateForKeyPem,
  certifiedKeyPem,
  ecKey,
  ed25519Key,
  loadPem,
  octJwk,
  pemBody,
  pkcs1,
  pkcs8,
  privateJwk,
  rejection,
  rsaKey,
  sec1,
  signsAndVerifies,
  spki,
  unrelatedCertificatePem,
} from './keys.js';

/** Signs with an RSA-PSS private key and verifies with a plain RSA public key (as a JOSE verifier would). */
const signsAndVerifiesPss = (privateKey: KeyObject, publicKey: KeyObject): boolean => {
  const message = Buffer.from('payload');
  const options = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 };
  return verify('sha384', message, { key: publicKey, ...options }, sign('sha384', message, { key: privateKey, ...options }));
};

const publicThumbprint = (jwk: Record<string, unknown>): Promise<string> =>
  calculateJwkThumbprint(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ format: 'jwk' }) as JWK);

describe('Function: rotateSecretValue', () => {
  describe('PEM values', () => {
    it('replaces an RSA-2048 PKCS#8 key with a new RSA-2048 PKCS#8 key', async () => {
      // Prepare
      const old = rsaKey(2048);

      // Act
      const rotated = await rotateSecretValue(pkcs8(old));

      // Assess
      expect(rotated.value.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
      const fresh = loadPem(rotated.value);
      expect(fresh.asymmetricKeyType).toBe('rsa');
      expect(fresh.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(createPublicKey(fresh).equals(createPublicKey(old))).toBe(false);
      expect(signsAndVerifies(fresh)).toBe(true);
      expect(rotated.before).toMatchObject({
        shape: { kind: 'pem' },
        encoding: { format: 'pem', pemType: 'PRIVATE KEY' },
        algorithmName: 'RSA-2048',
      });
      expect(rotated.after.algorithmName).toBe('RSA-2048');
    });

    it('keeps an RSA-3072 PKCS#1 key in PKCS#1 ("RSA PRIVATE KEY")', async () => {
      // Prepare
      const old = rsaKey(3072);

      // Act
      const rotated = await rotateSecretValue(pkcs1(old));

      // Assess
      expect(rotated.value.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
      const fresh = loadPem(rotated.value);
      expect(fresh.asymmetricKeyDetails?.modulusLength).toBe(3072);
      expect(fresh.asymmetricKeyDetails?.publicExponent).toBe(65537n);
      expect(createPublicKey(fresh).equals(createPublicKey(old))).toBe(false);
      expect(rotated.after.encoding).toEqual({ format: 'pem', pemType: 'RSA PRIVATE KEY' });
    });

    it('keeps an EC P-256 SEC1 key in SEC1 on the same curve', async () => {
      // Prepare
      const old = ecKey('P-256');

      // Act
      const rotated = await rotateSecretValue(sec1(old));

      // Assess
      expect(rotated.value.startsWith('-----BEGIN EC PRIVATE KEY-----\n')).toBe(true);
      const fresh = loadPem(rotated.value);
      expect(fresh.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(createPublicKey(fresh).equals(createPublicKey(old))).toBe(false);
      expect(signsAndVerifies(fresh)).toBe(true);
    });

    it('keeps an EC P-384 PKCS#8 key in PKCS#8 on the same curve', async () => {
      // Prepare
      const old = ecKey('P-384');

      // Act
      const rotated = await rotateSecretValue(pkcs8(old));

      // Assess
      expect(rotated.value.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
      expect(loadPem(rotated.value).asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
      expect(rotated.after.algorithm).toEqual({ family: 'EC', curve: 'P-384' });
    });

    it('replaces an Ed25519 PKCS#8 key with a new Ed25519 key', async () => {
      // Prepare
      const old = ed25519Key();

      // Act
      const rotated = await rotateSecretValue(pkcs8(old));

      // Assess
      const fresh = loadPem(rotated.value);
      expect(fresh.asymmetricKeyType).toBe('ed25519');
      expect(createPublicKey(fresh).equals(createPublicKey(old))).toBe(false);
      expect(signsAndVerifies(fresh)).toBe(true);
      expect(rotated.after.algorithmName).toBe('Ed25519');
    });

    it('replaces an Ed448 PKCS#8 key with a new Ed448 key', async () => {
      // Prepare
      const old = generateKeyPairSync('ed448').privateKey;

      // Act
      const rotated = await rotateSecretValue(pkcs8(old));

      // Assess
      const fresh = loadPem(rotated.value);
      expect(fresh.asymmetricKeyType).toBe('ed448');
      expect(createPublicKey(fresh).equals(createPublicKey(old))).toBe(false);
    });

    it('keeps RSA-PSS parameters of a restricted PKCS#8 key and publishes its public part as an RSA JWK', async () => {
      // Prepare
      const old = generateKeyPairSync('rsa-pss', {
        modulusLength: 2048,
        hashAlgorithm: 'sha384',
        mgf1HashAlgorithm: 'sha384',
        saltLength: 48,
      } as unknown as Parameters<typeof generateKeyPairSync>[1] & { modulusLength: number }).privateKey;

      // Act
      const rotated = await rotateSecretValue(pkcs8(old));

      // Assess
      expect(loadPem(rotated.value).asymmetricKeyDetails).toMatchObject({
        modulusLength: 2048,
        hashAlgorithm: 'sha384',
        mgf1HashAlgorithm: 'sha384',
        saltLength: 48,
      });
      const fresh = loadPem(rotated.value);
      const rsaView = createPublicKey({ key: rotated.after.publicJwk as JsonWebKey, format: 'jwk' });
      expect(rotated.after.publicJwk).toMatchObject({ kty: 'RSA', alg: 'PS384', kid: rotated.after.kid });
      expect(rsaView.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(signsAndVerifiesPss(fresh, rsaView)).toBe(true);
      expect(rotated.after.kid).toBe(await calculateJwkThumbprint(rotated.after.publicJwk as JWK));
    });

    it('keeps the EC PARAMETERS block and the text around the key verbatim', async () => {
      // Prepare
      const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
      const value = `# signing key\n${params}${sec1(ecKey('P-256'))}`;

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      expect(rotated.value.startsWith(`# signing key\n${params}-----BEGIN EC PRIVATE KEY-----\n`)).toBe(true);
      expect(rotated.value.endsWith('-----END EC PRIVATE KEY-----\n')).toBe(true);
    });

    it('keeps CRLF line endings and a missing trailing newline', async () => {
      // Prepare
      const value = pkcs8(ecKey('P-256')).trimEnd().replace(/\n/g, '\r\n');

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      expect(rotated.value.includes('\r\n')).toBe(true);
      expect(rotated.value.replace(/\r\n/g, '')).not.toContain('\n');
      expect(rotated.value.endsWith('-----END PRIVATE KEY-----')).toBe(true);
    });

    it('rewrites a public key block of the same key and keeps a public key of another key', async () => {
      // Prepare
      const own = ecKey('P-256');
      const peer = spki(ecKey('P-256'));
      const value = `${pkcs8(own)}${spki(own)}${peer}`;

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      const fresh = loadPem(rotated.value);
      const [, ownPublic, peerPublic] = rotated.value.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? [];
      expect(createPublicKey(ownPublic ?? '').equals(createPublicKey(fresh))).toBe(true);
      expect(`${peerPublic}\n`).toBe(peer);
      expect(rotated.after.derived).toEqual(['PEM block 2 (PUBLIC KEY)']);
    });
  });

  describe('JWK values', () => {
    it('replaces an EC P-256 JWK, keeps alg/use and sets kid to the RFC 7638 thumbprint', async () => {
      // Prepare
      const old: Record<string, unknown> = { ...privateJwk(ecKey('P-256')), alg: 'ES256', use: 'sig', kid: 'signing-2024' };

      // Act
      const rotated = await rotateSecretValue(JSON.stringify(old));

      // Assess
      const fresh = JSON.parse(rotated.value) as Record<string, unknown>;
      expect(Object.keys(fresh)).toEqual(Object.keys(old));
      expect(fresh).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(fresh.d).not.toBe(old.d);
      expect(fresh.kid).toBe(await publicThumbprint(fresh));
      expect(signsAndVerifies(createPrivateKey({ key: fresh as JsonWebKey, format: 'jwk' }))).toBe(true);
      expect(rotated.before.kid).toBe('signing-2024');
      expect(rotated.after.kid).toBe(fresh.kid);
      expect(rotated.after.publicJwk).toEqual({
        kty: 'EC',
        crv: 'P-256',
        x: fresh.x,
        y: fresh.y,
        alg: 'ES256',
        use: 'sig',
        kid: fresh.kid,
      });
    });

    it('replaces an EC P-384 JWK and adds a kid when it had none', async () => {
      // Prepare
      const old = privateJwk(ecKey('P-384'));

      // Act
      const rotated = await rotateSecretValue(JSON.stringify(old));

      // Assess
      const fresh = JSON.parse(rotated.value) as Record<string, unknown>;
      expect(fresh.crv).toBe('P-384');
      expect(fresh.kid).toBe(await publicThumbprint(fresh));
      expect(rotated.before.kid).toBe(await publicThumbprint(old));
    });

    it.each(['P-521', 'secp256k1'] as const)('replaces an EC %s JWK on the same curve', async (curve) => {
      // Prepare
      const old = privateJwk(ecKey(curve));

      // Act
      const rotated = await rotateSecretValue(JSON.stringify(old));

      // Assess
      const fresh = JSON.parse(rotated.value) as Record<string, unknown>;
      expect(fresh.crv).toBe(curve);
      expect(fresh.d).not.toBe(old.d);
      expect(signsAndVerifies(createPrivateKey({ key: fresh as JsonWebKey, format: 'jwk' }))).toBe(true);
    });

    it('replaces an Ed25519 (OKP) JWK', async () => {
      // Prepare
      const old: Record<string, unknown> = { ...privateJwk(ed25519Key()), alg: 'EdDSA' };

      // Act
      const rotated = await rotateSecretValue(JSON.stringify(old));

      // Assess
      const fresh = JSON.parse(rotated.value) as Record<string, unknown>;
      expect(fresh).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
      expect(fresh.x).not.toBe(old.x);
      expect(fresh.kid).toBe(await publicThumbprint(fresh));
    });

    it('gives an HMAC oct JWK the same number of new random bytes and a random kid', async () => {
      // Prepare
      const old: Record<string, unknown> = { ...octJwk(48), alg: 'HS384', kid: 'hmac-1' };

      // Act
      const rotated = await rotateSecretValue(JSON.stringify(old));

      // Assess
      const fresh = JSON.parse(rotated.value) as Record<string, string>;
      expect(Buffer.from(fresh.k ?? '', 'base64url')).toHaveLength(48);
      expect(fresh.k).not.toBe(old.k);
      expect(fresh.alg).toBe('HS384');
      expect(fresh.kid).not.toBe('hmac-1');
      expect(fresh.kid).not.toBe(await calculateJwkThumbprint({ kty: 'oct', k: fresh.k ?? '' }));
      expect(rotated.after).toMatchObject({ algorithm: { family: 'oct', byteLength: 48 }, kid: fresh.kid });
      expect(rotated.after.publicJwk).toBeUndefined();
    });

    it('keeps a pretty-printed JWK pretty-printed with the same indent', async () => {
      // Prepare
      const value = `${JSON.stringify(privateJwk(ecKey('P-256')), null, 4)}\n`;

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      expect(rotated.value).toMatch(/^\{\n {4}"kty": "EC",\n/);
      expect(rotated.value.endsWith('}\n')).toBe(true);
    });
  });

  describe('JSON objects with the key in one field', () => {
    it('replaces only a PEM field and keeps every other byte', async () => {
      // Prepare
      const pem = pkcs8(ecKey('P-256'));
      const value = `{"issuer":"https://id.example", "privateKey": ${JSON.stringify(pem)}, "serial": 12345678901234567890123, "note":"caf\\u00e9"}`;

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      const [before, after] = value.split(JSON.stringify(pem));
      expect(rotated.value.startsWith(before ?? '')).toBe(true);
      expect(rotated.value.endsWith(after ?? '')).toBe(true);
      const fresh = (JSON.parse(rotated.value) as { privateKey: string }).privateKey;
      expect(fresh).not.toBe(pem);
      expect(createPublicKey(loadPem(fresh)).equals(createPublicKey(loadPem(pem)))).toBe(false);
      expect(rotated.after.shape).toEqual({ kind: 'json-field', field: 'privateKey', encoding: 'pem' });
    });

    it('replaces a JWK field and makes the public key field and kid field follow it', async () => {
      // Prepare
      const key = ecKey('P-384');
      const original = {
        jwk: { ...privateJwk(key), alg: 'ES384', kid: 'old' },
        publicKey: spki(key),
        peerPublicKey: spki(ecKey('P-256')),
        kid: 'old',
        issuer: 'svc',
      };
      const value = JSON.stringify(original, null, 2);

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      const fresh = JSON.parse(rotated.value) as typeof original;
      const freshKey = createPrivateKey({ key: fresh.jwk as JsonWebKey, format: 'jwk' });
      expect(createPublicKey(fresh.publicKey).equals(createPublicKey(freshKey))).toBe(true);
      expect(fresh.peerPublicKey).toBe(original.peerPublicKey);
      expect(fresh.kid).toBe(fresh.jwk.kid);
      expect(fresh.jwk.kid).toBe(await publicThumbprint(fresh.jwk));
      expect(fresh.issuer).toBe('svc');
      expect(rotated.after.derived).toEqual(['field "kid"', 'field "publicKey", PEM block 1 (PUBLIC KEY)']);
      expect(rotated.value.split('\n')[1]).toBe('  "jwk": {');
    });

    it('replaces a JWK stored as a JSON string inside a field', async () => {
      // Prepare
      const jwk = privateJwk(ed25519Key());
      const value = JSON.stringify({ jwk: JSON.stringify(jwk), publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      const fresh = JSON.parse(rotated.value) as { jwk: string; publicJwk: Record<string, unknown> };
      const freshJwk = JSON.parse(fresh.jwk) as Record<string, unknown>;
      expect(freshJwk.x).not.toBe(jwk.x);
      expect(fresh.publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: freshJwk.x, kid: freshJwk.kid });
      expect(rotated.after.shape).toEqual({ kind: 'json-field', field: 'jwk', encoding: 'jwk-json' });
    });

    it('keeps a certificate of another key', async () => {
      // Prepare
      const value = JSON.stringify({ privateKey: pkcs8(ecKey('P-256')), caCertificate: unrelatedCertificatePem() });

      // Act
      const rotated = await rotateSecretValue(value);

      // Assess
      expect((JSON.parse(rotated.value) as { caCertificate: string }).caCertificate).toBe(unrelatedCertificatePem());
    });
  });

  describe('values it refuses', () => {
    const secretPem = pkcs8(ecKey('P-256'));

    it.each([
      ['an empty value', '', 'ERR_KEY_NOT_FOUND'],
      ['a plain password', 'hunter2-correct-horse', 'ERR_KEY_NOT_FOUND'],
      ['a JSON array', '["a"]', 'ERR_KEY_NOT_FOUND'],
      ['broken JSON', '{"privateKey": "abc', 'ERR_KEY_MALFORMED'],
      ['a BEGIN line without END', '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49', 'ERR_KEY_MALFORMED'],
      ['a PEM body that is not a key', '-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n', 'ERR_KEY_MALFORMED'],
      ['only a public key', spki(ecKey('P-256')), 'ERR_KEY_NOT_FOUND'],
      ['two private keys', `${pkcs8(ecKey('P-256'))}${pkcs8(ecKey('P-256'))}`, 'ERR_KEY_AMBIGUOUS'],
      [
        'an OpenSSH key',
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
        'ERR_KEY_UNSUPPORTED',
      ],
      [
        'an encrypted PKCS#8 key',
        String(ecKey('P-256').export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })),
        'ERR_KEY_UNSUPPORTED',
      ],
      [
        'a legacy encrypted PKCS#1 key',
        String(rsaKey(1024).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'x' })),
        'ERR_KEY_UNSUPPORTED',
      ],
      ['an X25519 key', pkcs8(generateKeyPairSync('x25519').privateKey), 'ERR_KEY_UNSUPPORTED'],
      ['a brainpool key', pkcs8(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey), 'ERR_KEY_UNSUPPORTED'],
    ])('refuses %s', async (_name, value, code) => {
      // Act
      const error = await rejection(rotateSecretValue(value));

      // Assess
      expect(error.code).toBe(code);
    });

    it.each([
      ['a public JWK', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }), 'ERR_KEY_NOT_FOUND'],
      ['an oct JWK whose k is not base64url', JSON.stringify({ kty: 'oct', k: 'not base64!' }), 'ERR_KEY_MALFORMED'],
      ['an oct JWK with an empty k', JSON.stringify({ kty: 'oct', k: '' }), 'ERR_KEY_MALFORMED'],
      ['an unknown kty', JSON.stringify({ kty: 'AKP', alg: 'ML-DSA-44', pub: 'AA', priv: 'AA', d: 'AA' }), 'ERR_KEY_UNSUPPORTED'],
      ['an EC JWK with a numeric d', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 7 }), 'ERR_KEY_MALFORMED'],
      ['an EC JWK whose d is not base64url', JSON.stringify({ ...privateJwk(ecKey('P-256')), d: 'AAAA!AAA' }), 'ERR_KEY_MALFORMED'],
      ['an EC JWK whose x is off the curve', JSON.stringify({ ...privateJwk(ecKey('P-256')), x: 'AAAA' }), 'ERR_KEY_MALFORMED'],
      ['a JWK with a certificate chain', JSON.stringify({ ...privateJwk(ecKey('P-256')), x5c: ['MIIB'] }), 'ERR_KEY_BOUND_TO_CERTIFICATE'],
      ['a JSON object with no key', JSON.stringify({ username: 'svc', password: 'hunter2' }), 'ERR_KEY_NOT_FOUND'],
      ['a JWK Set', JSON.stringify({ keys: [privateJwk(ecKey('P-256'))] }), 'ERR_KEY_NOT_FOUND'],
      ['two key fields', JSON.stringify({ a: pkcs8(ecKey('P-256')), b: privateJwk(ecKey('P-256')) }), 'ERR_KEY_AMBIGUOUS'],
      ['a duplicated key field', `{"k": ${JSON.stringify(pkcs8(ecKey('P-256')))}, "k": "x"}`, 'ERR_KEY_AMBIGUOUS'],
    ])('refuses %s', async (_name, value, code) => {
      // Act
      const error = await rejection(rotateSecretValue(value));

      // Assess
      expect(error.code).toBe(code);
    });

    it('refuses a key next to its own certificate, in the same PEM text or another field', async () => {
      // Act
      const inText = await rejection(rotateSecretValue(`${certifiedKeyPem()}${certificateForKeyPem()}`));
      const inField = await rejection(rotateSecretValue(JSON.stringify({ key: certifiedKeyPem(), certificate: certificateForKeyPem() })));

      // Assess
      expect(inText.code).toBe('ERR_KEY_BOUND_TO_CERTIFICATE');
      expect(inField.code).toBe('ERR_KEY_BOUND_TO_CERTIFICATE');
      expect(inField.message).toContain('field "certificate"');
    });

    it('names the fields it found without quoting any value', async () => {
      // Act
      const error = await rejection(rotateSecretValue(JSON.stringify({ username: 'svc', password: 'hunter2' })));

      // Assess
      expect(error.message).toContain('fields ["username", "password"]');
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('svc');
    });

    it('never quotes key material or input text in messages', async () => {
      // Prepare
      const jwk = privateJwk(ecKey('P-256'));
      const inputs = [
        `{"privateKey": ${JSON.stringify(secretPem)}, "broken": }`,
        JSON.stringify({ a: secretPem, b: secretPem }),
        secretPem.replace('-----END PRIVATE KEY-----', ''),
        JSON.stringify({ ...jwk, x5c: ['MIIB'] }),
        JSON.stringify({ ...jwk, d: `${String(jwk.d)}!` }),
        `${secretPem}${secretPem}`,
      ];

      // Act
      const messages = await Promise.all(inputs.map(async (input) => (await rejection(rotateSecretValue(input))).message));

      // Assess
      for (const message of messages) {
        expect(message).not.toContain(pemBody(secretPem));
        expect(message).not.toContain(String(jwk.d));
      }
    });
  });
});

describe('Function: inspectSecretValue', () => {
  it('describes a PEM key with its thumbprint as kid and its public JWK', async () => {
    // Prepare
    const key = ecKey('P-256');

    // Act
    const info = await inspectSecretValue(pkcs8(key), { source: 'parameter /a' });

    // Assess
    const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as JWK;
    expect(info.kid).toBe(await calculateJwkThumbprint(publicJwk));
    expect(info.publicJwk).toEqual({ ...publicJwk, kid: info.kid });
    expect(info.publicJwk).not.toHaveProperty('d');
  });

  it('names the source in errors', async () => {
    // Act
    const error = await rejection(inspectSecretValue('nope', { source: 'parameter /payments/key' }));

    // Assess
    expect(error.message.startsWith('parameter /payments/key:')).toBe(true);
  });
});

describe('Function: verifyRotatedSecret', () => {
  it('accepts a rotation produced by rotateSecretValue', async () => {
    // Prepare
    const current = JSON.stringify({ privateKey: pkcs8(ecKey('P-256')), kid: 'x' });
    const pending = (await rotateSecretValue(current)).value;

    // Act
    const info = await verifyRotatedSecret(current, pending);

    // Assess
    expect(info.algorithmName).toBe('EC P-256');
    expect(info.kid).toBe((JSON.parse(pending) as { kid: string }).kid);
  });

  it.each([
    ['the same key', () => pkcs8(ecKey('P-256')), (current: string) => current, 'ERR_ROTATION_UNCHANGED'],
    ['another curve', () => pkcs8(ecKey('P-256')), () => pkcs8(ecKey('P-384')), 'ERR_ROTATION_MISMATCH'],
    ['another PEM type', () => pkcs8(ecKey('P-256')), () => sec1(ecKey('P-256')), 'ERR_ROTATION_MISMATCH'],
    ['another RSA size', () => pkcs8(rsaKey(2048)), () => pkcs8(rsaKey(3072)), 'ERR_ROTATION_MISMATCH'],
    ['PEM replaced by JWK', () => pkcs8(ecKey('P-256')), () => JSON.stringify(privateJwk(ecKey('P-256'))), 'ERR_ROTATION_MISMATCH'],
    [
      'another field',
      () => JSON.stringify({ a: pkcs8(ecKey('P-256')) }),
      () => JSON.stringify({ b: pkcs8(ecKey('P-256')) }),
      'ERR_ROTATION_MISMATCH',
    ],
    ['a shorter HMAC key', () => JSON.stringify(octJwk(32)), () => JSON.stringify(octJwk(16)), 'ERR_ROTATION_MISMATCH'],
  ])('refuses a pending value with %s', async (_name, makeCurrent, makePending, code) => {
    // Prepare
    const current = makeCurrent();

    // Act
    const error = await rejection(verifyRotatedSecret(current, makePending(current)));

    // Assess
    expect(error.code).toBe(code);
  });

  it('refuses a pending value whose public key field still holds the old public key', async () => {
    // Prepare
    const old = ecKey('P-256');
    const current = JSON.stringify({ privateKey: pkcs8(old), publicKey: spki(old) });
    const pending = JSON.stringify({ privateKey: pkcs8(ecKey('P-256')), publicKey: spki(old) });

    // Act
    const error = await rejection(verifyRotatedSecret(current, pending));

    // Assess
    expect(error.code).toBe('ERR_ROTATION_MISMATCH');
    expect(error.message).toContain('field "publicKey"');
  });

  it('refuses a pending value whose kid field does not name the new key', async () => {
    // Prepare
    const current = JSON.stringify({ privateKey: pkcs8(ecKey('P-256')), kid: 'a' });
    const pending = JSON.stringify({ privateKey: pkcs8(ecKey('P-256')), kid: 'a' });

    // Act
    const error = await rejection(verifyRotatedSecret(current, pending));

    // Assess
    expect(error.code).toBe('ERR_ROTATION_MISMATCH');
    expect(error.message).toContain('field "kid"');
  });

  it('refuses a key whose private part does not match its public part', async () => {
    // Prepare
    const current = JSON.stringify(privateJwk(ecKey('P-256')));
    const other = privateJwk(ecKey('P-256'));
    const pending = JSON.stringify({ ...privateJwk(ecKey('P-256')), d: other.d });

    // Act
    const error = await rejection(verifyRotatedSecret(current, pending));

    // Assess
    expect(error.code).toBe('ERR_KEY_SELF_TEST_FAILED');
  });
});
