import { DisabledException, KMSClient, KMSInvalidSignatureException, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsDigestSigner } from '../../../../lambda/adapters/aws/kms-digest-signer.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-digest';
const message = new TextEncoder().encode('{"at":"2025-03-01T10:00:00.000Z","seq":1}');

describe('Class: KmsDigestSigner', () => {
  const kms = mockClient(KMSClient);

  afterEach(() => {
    kms.reset();
  });

  describe('Method: sign', () => {
    it('signs the raw message with ECDSA_SHA_256 and returns the signature as base64', async () => {
      // Prepare
      kms.on(SignCommand).resolves({ KeyId: KEY_ARN, Signature: Uint8Array.of(0x30, 0x44, 0x01), SigningAlgorithm: 'ECDSA_SHA_256' });
      const signer = new KmsDigestSigner({ keyId: 'alias/sever-digest', client: new KMSClient({ region: 'eu-west-1' }) });

      // Act
      const signature = await signer.sign(message);

      // Assess
      expect(kms).toHaveReceivedCommandTimes(SignCommand, 1);
      expect(kms).toHaveReceivedCommandWith(SignCommand, {
        KeyId: 'alias/sever-digest',
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      });
      expect(signature).toEqual({
        keyId: KEY_ARN,
        signature: Buffer.from([0x30, 0x44, 0x01]).toString('base64'),
        algorithm: 'ECDSA_SHA_256',
      });
    });

    it('translates a disabled key into ERR_DIGEST_SIGNER_UNAVAILABLE', async () => {
      // Prepare
      kms.on(SignCommand).rejects(new DisabledException({ message: 'key is disabled', $metadata: {} }));
      const signer = new KmsDigestSigner({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }) });

      // Act
      const act = signer.sign(message);

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_DIGEST_SIGNER_UNAVAILABLE' });
      await expect(act).rejects.toThrow(KEY_ARN);
    });

    it('refuses a message over the 4096-byte RAW limit without calling KMS', async () => {
      // Prepare
      const signer = new KmsDigestSigner({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }) });

      // Act
      const act = signer.sign(new Uint8Array(4097));

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_INVALID_INPUT' });
      expect(kms).toHaveReceivedCommandTimes(SignCommand, 0);
    });
  });

  describe('Method: verify', () => {
    it('verifies with its own key, whatever key the signature names', async () => {
      // Prepare
      kms.on(VerifyCommand).resolves({ KeyId: KEY_ARN, SignatureValid: true, SigningAlgorithm: 'ECDSA_SHA_256' });
      const signer = new KmsDigestSigner({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }) });
      const signature = {
        keyId: 'arn:aws:kms:eu-west-1:999999999999:key/attacker',
        signature: Buffer.from([1, 2, 3]).toString('base64'),
        algorithm: 'ECDSA_SHA_256',
      } as const;

      // Act
      const valid = await signer.verify(message, signature);

      // Assess
      expect(valid).toBe(true);
      expect(kms).toHaveReceivedCommandWith(VerifyCommand, {
        KeyId: KEY_ARN,
        Message: message,
        MessageType: 'RAW',
        Signature: Buffer.from([1, 2, 3]),
        SigningAlgorithm: 'ECDSA_SHA_256',
      });
    });

    it('answers false when KMS says the signature is invalid', async () => {
      // Prepare
      kms.on(VerifyCommand).rejects(new KMSInvalidSignatureException({ message: 'invalid', $metadata: {} }));
      const signer = new KmsDigestSigner({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }) });

      // Act
      const valid = await signer.verify(message, { keyId: KEY_ARN, signature: 'AAEC', algorithm: 'ECDSA_SHA_256' });

      // Assess
      expect(valid).toBe(false);
    });

    it('answers false for an empty signature without calling KMS', async () => {
      // Prepare
      const signer = new KmsDigestSigner({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }) });

      // Act
      const valid = await signer.verify(message, { keyId: KEY_ARN, signature: '', algorithm: 'ECDSA_SHA_256' });

      // Assess
      expect(valid).toBe(false);
      expect(kms).toHaveReceivedCommandTimes(VerifyCommand, 0);
    });

    it('throws ERR_DIGEST_SIGNER_UNAVAILABLE when KMS cannot verify at all', async () => {
      // Prepare
      kms.on(VerifyCommand).rejects(new DisabledException({ message: 'key is disabled', $metadata: {} }));
      const signer = new KmsDigestSigner({ keyId: KEY_ARN, client: new KMSClient({ region: 'eu-west-1' }) });

      // Act
      const act = signer.verify(message, { keyId: KEY_ARN, signature: 'AAEC', algorithm: 'ECDSA_SHA_256' });

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_DIGEST_SIGNER_UNAVAILABLE' });
    });
  });
});
