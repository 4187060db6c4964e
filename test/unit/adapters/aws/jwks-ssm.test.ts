import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  type GetParameterHistoryCommandInput,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type PutParameterCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SsmJwksPublisher } from '../../../../lambda/adapters/aws/jwks-ssm.js';
import { PortError } from '../../../../lambda/core/errors.js';
import type { TokensError } from '../../../../lambda/core/tokens/errors.js';
import { EMPTY_JWKS, parseJwksDocument, serializeJwksDocument, withKey, withoutKey } from '../../../../lambda/core/tokens/jwks.js';
import type { JwksDocument, PublicJwk, SsmJwksLocation } from '../../../../lambda/core/tokens/model.js';

const ssmMock = mockClient(SSMClient);
const LOCATION: SsmJwksLocation = { kind: 'ssm', name: '/payments/jwks' };
const jwk = (kid: string): PublicJwk => ({ kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid, alg: 'ES256', use: 'sig' });
const publisher = (maxAttempts?: number) =>
  new SsmJwksPublisher({ client: new SSMClient({ region: 'eu-west-1' }), ...(maxAttempts === undefined ? {} : { maxAttempts }) });
const kids = (document: JwksDocument) => document.keys.map((key) => key.kid);

/**
 * One SSM parameter with real SSM semantics: every PutParameter with Overwrite makes a new version
 * (no compare-and-swap), creation without Overwrite fails if it exists, and history keeps
 * `keep` versions. The first `readers` GetParameter calls wait for each other, so concurrent
 * writers provably read the same version.
 */
class FakeParameter {
  readonly versions: { version: number; value: string }[] = [];
  readonly #arrived: (() => void)[] = [];

  constructor(
    private readonly readers = 0,
    private readonly keep = 100,
  ) {}

  get latest(): JwksDocument {
    const last = this.versions.at(-1);
    if (last === undefined) throw new Error('parameter was never written');
    return parseJwksDocument(last.value, 'fake');
  }

  seed(document: JwksDocument): void {
    this.versions.push({ version: this.versions.length + 1, value: serializeJwksDocument(document) });
  }

  get = async () => {
    if (this.#arrived.length < this.readers) {
      await new Promise<void>((resolve) => {
        this.#arrived.push(resolve);
        if (this.#arrived.length === this.readers) for (const release of this.#arrived) release();
      });
    }
    const last = this.versions.at(-1);
    if (last === undefined) throw new ParameterNotFound({ $metadata: {}, message: 'not found' });
    return { Parameter: { Name: LOCATION.name, Type: 'String' as const, Value: last.value, Version: last.version } };
  };

  put = async (input: PutParameterCommandInput) => {
    if (this.versions.length > 0 && input.Overwrite !== true) {
      throw new ParameterAlreadyExists({ $metadata: {}, message: 'exists' });
    }
    const version = (this.versions.at(-1)?.version ?? 0) + 1;
    this.versions.push({ version, value: String(input.Value) });
    return { Version: version, Tier: 'Standard' as const, $metadata: { requestId: `put-${version}` } };
  };

  history = async (input: GetParameterHistoryCommandInput) => {
    const kept = this.versions.slice(-this.keep);
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    const size = input.MaxResults ?? 50;
    const page = kept.slice(start, start + size);
    return {
      Parameters: page.map((entry) => ({ Name: LOCATION.name, Version: entry.version, Value: entry.value, Type: 'String' as const })),
      ...(start + size < kept.length ? { NextToken: String(start + size) } : {}),
    };
  };

  install(): void {
    ssmMock.on(GetParameterCommand).callsFake(this.get);
    ssmMock.on(PutParameterCommand).callsFake(this.put);
    ssmMock.on(GetParameterHistoryCommand).callsFake(this.history);
  }
}

describe('Class: SsmJwksPublisher', () => {
  afterEach(() => {
    ssmMock.reset();
  });

  describe('Method: read', () => {
    it('returns undefined when the parameter does not exist', async () => {
      // Prepare
      ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: 'not found' }));

      // Act
      const result = await publisher().read(LOCATION);

      // Assess
      expect(result).toBeUndefined();
      expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/payments/jwks' });
    });

    it('returns the document and the parameter version', async () => {
      // Prepare
      const document = withKey(EMPTY_JWKS, jwk('a'));
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Type: 'String', Value: serializeJwksDocument(document), Version: 4 } });

      // Act
      const result = await publisher().read(LOCATION);

      // Assess
      expect(result).toEqual({ document, version: '4' });
    });

    it('refuses a SecureString parameter: a JWKS is public', async () => {
      // Prepare
      ssmMock.on(GetParameterCommand).resolves({ Parameter: { Type: 'SecureString', Value: 'AQICAH…', Version: 1 } });

      // Act
      const error = (await publisher()
        .read(LOCATION)
        .catch((caught: unknown) => caught)) as TokensError;

      // Assess
      expect(error.code).toBe('ERR_JWKS_DOCUMENT_INVALID');
      expect(error.message).toContain('/payments/jwks is a SecureString');
    });
  });

  describe('Method: publish', () => {
    it('creates the parameter without Overwrite when it does not exist', async () => {
      // Prepare
      const parameter = new FakeParameter();
      parameter.install();

      // Act
      const change = await publisher().publish(LOCATION, jwk('a'));

      // Assess
      expect(change).toEqual({ version: '1', changed: true, requestId: 'put-1' });
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: '/payments/jwks',
        Value: serializeJwksDocument(withKey(EMPTY_JWKS, jwk('a'))),
        Overwrite: false,
        Type: 'String',
        Tier: 'Intelligent-Tiering',
        Description: 'JSON Web Key Set (public signing keys)',
      });
    });

    it('overwrites once and reads no history when nobody wrote in between', async () => {
      // Prepare
      const parameter = new FakeParameter();
      parameter.seed(withKey(EMPTY_JWKS, jwk('a')));
      parameter.install();

      // Act
      const change = await publisher().publish(LOCATION, jwk('b'));

      // Assess
      expect(change).toEqual({ version: '2', changed: true, requestId: 'put-2' });
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: '/payments/jwks',
        Overwrite: true,
        Tier: 'Intelligent-Tiering',
      });
      expect(ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input.Type).toBeUndefined();
      expect(ssmMock).not.toHaveReceivedCommand(GetParameterHistoryCommand);
      expect(kids(parameter.latest)).toEqual(['a', 'b']);
    });

    it('does not write when the key is already published', async () => {
      // Prepare
      const parameter = new FakeParameter();
      parameter.seed(withKey(EMPTY_JWKS, jwk('a')));
      parameter.install();

      // Act
      const change = await publisher().publish(LOCATION, jwk('a'));

      // Assess
      expect(change).toEqual({ version: '1', changed: false });
      expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    });

    it('falls back to the overwrite path when another writer created the parameter first', async () => {
      // Prepare
      const parameter = new FakeParameter();
      parameter.install();
      ssmMock
        .on(GetParameterCommand)
        .rejectsOnce(new ParameterNotFound({ $metadata: {}, message: 'not found' }))
        .callsFake(parameter.get);
      parameter.seed(withKey(EMPTY_JWKS, jwk('theirs')));

      // Act
      await publisher().publish(LOCATION, jwk('mine'));

      // Assess
      expect(ssmMock).toHaveReceivedNthCommandWith(PutParameterCommand, 1, { Overwrite: false });
      expect(ssmMock).toHaveReceivedNthCommandWith(PutParameterCommand, 2, { Overwrite: true });
      expect(kids(parameter.latest)).toEqual(['mine', 'theirs']);
    });

    it('keeps both keys when two rotations publish to one JWKS at once', async () => {
      // Prepare
      const parameter = new FakeParameter(2);
      parameter.seed(withKey(EMPTY_JWKS, jwk('existing')));
      parameter.install();
      const ssm = publisher();

      // Act
      const changes = await Promise.all([ssm.publish(LOCATION, jwk('rotation-a')), ssm.publish(LOCATION, jwk('rotation-b'))]);

      // Assess
      expect(changes.every((change) => change.changed)).toBe(true);
      expect(kids(parameter.latest)).toEqual(['existing', 'rotation-a', 'rotation-b']);
      // The second write overwrote the first; its writer read the history and repaired.
      expect(ssmMock).toHaveReceivedCommandTimes(GetParameterHistoryCommand, 1);
      expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 3);
    });

    it('keeps every key when five rotations publish at once', async () => {
      // Prepare
      const parameter = new FakeParameter(5);
      parameter.seed(EMPTY_JWKS);
      parameter.install();
      const ssm = publisher();
      const names = ['r1', 'r2', 'r3', 'r4', 'r5'];

      // Act
      await Promise.all(names.map((kid) => ssm.publish(LOCATION, jwk(kid))));

      // Assess
      expect(kids(parameter.latest)).toEqual(names);
    });

    it('keeps a concurrent removal: the retired kid is not brought back, and publishing it fails', async () => {
      // Prepare
      const parameter = new FakeParameter(2);
      parameter.seed(withKey(EMPTY_JWKS, jwk('keep')));
      parameter.install();
      const ssm = publisher();

      // Act
      const [removal, publication] = await Promise.allSettled([ssm.remove(LOCATION, 'contested'), ssm.publish(LOCATION, jwk('contested'))]);

      // Assess
      expect(removal.status).toBe('fulfilled');
      expect(publication.status).toBe('rejected');
      expect(publication.status === 'rejected' && (publication.reason as TokensError).code).toBe('ERR_JWK_RETIRED');
      expect(kids(parameter.latest)).toEqual(['keep']);
      expect(parameter.latest.retired).toEqual(['contested']);
    });

    it('fails with ERR_JWKS_CONFLICT when overwritten versions have left the history', async () => {
      // Prepare
      const parameter = new FakeParameter(0, 1);
      parameter.seed(EMPTY_JWKS);
      parameter.install();
      // Another writer lands two versions between our read and our write.
      ssmMock.on(GetParameterCommand).callsFake(async () => {
        const result = await parameter.get();
        await parameter.put({ Name: LOCATION.name, Value: serializeJwksDocument(withKey(EMPTY_JWKS, jwk('x'))), Overwrite: true });
        await parameter.put({ Name: LOCATION.name, Value: serializeJwksDocument(withKey(EMPTY_JWKS, jwk('y'))), Overwrite: true });
        return result;
      });

      // Act
      const error = (await publisher()
        .publish(LOCATION, jwk('mine'))
        .catch((caught: unknown) => caught)) as TokensError;

      // Assess
      expect(error.code).toBe('ERR_JWKS_CONFLICT');
      expect(error.message).toContain('/payments/jwks');
      expect(error.message).toContain('versions 2…3');
    });

    it('translates throttling into a retryable PortError', async () => {
      // Prepare
      ssmMock
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: {} }));

      // Act
      const error = await publisher()
        .publish(LOCATION, jwk('a'))
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(PortError);
      expect((error as PortError).code).toBe('ERR_THROTTLED');
      expect((error as PortError).message).toContain('ssm:GetParameter on /payments/jwks');
    });
  });

  describe('Method: remove', () => {
    it('removes the kid and records it as retired', async () => {
      // Prepare
      const parameter = new FakeParameter();
      parameter.seed(withKey(withKey(EMPTY_JWKS, jwk('old')), jwk('new')));
      parameter.install();

      // Act
      await publisher().remove(LOCATION, 'old');

      // Assess
      expect(parameter.latest).toEqual(withoutKey(withKey(EMPTY_JWKS, jwk('new')), 'old'));
    });
  });
});
