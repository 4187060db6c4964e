import type { JwksLocation, PublicJwk, VersionedJwks } from '../../core/tokens/model.js';
import type { JwksChange, JwksPublisher } from '../../core/tokens/ports.js';
import { S3JwksPublisher, type S3JwksPublisherOptions } from './jwks-s3.js';
import { SsmJwksPublisher, type SsmJwksPublisherOptions } from './jwks-ssm.js';

export interface AwsJwksPublisherOptions {
  readonly s3?: S3JwksPublisher | S3JwksPublisherOptions;
  readonly ssm?: SsmJwksPublisher | SsmJwksPublisherOptions;
}

/**
 * The {@link JwksPublisher} for AWS: S3 locations go to {@link S3JwksPublisher}, SSM parameter
 * names to {@link SsmJwksPublisher}, as each key's `sever:jwks` tag says.
 *
 * @example
 * ```ts
 * const jwks = new AwsJwksPublisher({ s3: { clientConfig: { region } }, ssm: { clientConfig: { region } } });
 * await jwks.publish(parseJwksLocation(key.tags['sever:jwks']!), await publicJwkFromSpki(der));
 * ```
 */
export class AwsJwksPublisher implements JwksPublisher {
  readonly #s3: S3JwksPublisher;
  readonly #ssm: SsmJwksPublisher;

  constructor(options: AwsJwksPublisherOptions = {}) {
    this.#s3 = options.s3 instanceof S3JwksPublisher ? options.s3 : new S3JwksPublisher(options.s3);
    this.#ssm = options.ssm instanceof SsmJwksPublisher ? options.ssm : new SsmJwksPublisher(options.ssm);
  }

  publish(location: JwksLocation, jwk: PublicJwk): Promise<JwksChange> {
    return location.kind === 's3' ? this.#s3.publish(location, jwk) : this.#ssm.publish(location, jwk);
  }

  remove(location: JwksLocation, kid: string): Promise<JwksChange> {
    return location.kind === 's3' ? this.#s3.remove(location, kid) : this.#ssm.remove(location, kid);
  }

  read(location: JwksLocation): Promise<VersionedJwks | undefined> {
    return location.kind === 's3' ? this.#s3.read(location) : this.#ssm.read(location);
  }
}
