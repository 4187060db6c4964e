import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { KidRevocation, RevocationSnapshot, SubjectRevocation } from '../core/tokens/model.js';
import type { RevocationRegistryReader } from '../core/tokens/ports.js';
import { kidItemKey, revocationSnapshotFromItems, subjectItemKey } from '../core/tokens/revocation.js';

export interface DynamoDbRevocationReaderOptions {
  readonly tableName: string;
  /** @default DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig)) */
  readonly client?: DynamoDBDocumentClient;
  readonly clientConfig?: DynamoDBClientConfig;
}

/**
 * Reads Sever's revocation table for a verifier. Grant the service
 * `revocationReaderPolicyStatement(tableArn)` (Scan and GetItem on the table, nothing else).
 *
 * `readAll` scans the whole table. That is the right call here: the table holds one small item
 * per revoked key or subject (hundreds, not millions, a few KB), every item is needed, and each
 * verifier instance reads it once per refresh period rather than per request. Reads are strongly
 * consistent, so a revocation written before a refresh starts is in that refresh.
 *
 * @example
 * ```ts
 * const registry = new DynamoDbRevocationReader({ tableName: 'sever-revocations' });
 * const verifier = createVerifier({ jwksUrl, registry, issuer, audience });
 * ```
 */
export class DynamoDbRevocationReader implements RevocationRegistryReader {
  readonly #tableName: string;
  readonly #client: DynamoDBDocumentClient;

  constructor(options: DynamoDbRevocationReaderOptions) {
    this.#tableName = options.tableName;
    this.#client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient(options.clientConfig ?? {}));
  }

  async readAll(): Promise<RevocationSnapshot> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: this.#client }, { TableName: this.#tableName, ConsistentRead: true })) {
      items.push(...(page.Items ?? []));
    }
    return revocationSnapshotFromItems(items);
  }

  /** One kid's revocation, for services that check a single key without caching the registry. */
  async readKid(kid: string): Promise<KidRevocation | undefined> {
    return (await this.#get(kidItemKey(kid))).kids.get(kid);
  }

  /** One subject's revocation. */
  async readSubject(sub: string): Promise<SubjectRevocation | undefined> {
    return (await this.#get(subjectItemKey(sub))).subjects.get(sub);
  }

  async #get(pk: string): Promise<RevocationSnapshot> {
    const output = await this.#client.send(new GetCommand({ TableName: this.#tableName, Key: { pk }, ConsistentRead: true }));
    return revocationSnapshotFromItems(output.Item === undefined ? [] : [output.Item]);
  }
}
