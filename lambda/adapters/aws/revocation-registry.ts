import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KidRevocationDetails, RevocationRegistry, RevocationWrite, SubjectRevocationDetails } from '../../core/tokens/ports.js';
import { kidRevocationItem, type RevocationItem, subjectRevocationItem } from '../../core/tokens/revocation.js';
import { awsErrorName, awsRequestId, toPortError } from './errors.js';

export interface DynamoDbRevocationRegistryOptions {
  readonly tableName: string;
  /** @default DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig)) */
  readonly client?: DynamoDBDocumentClient;
  readonly clientConfig?: DynamoDBClientConfig;
}

/**
 * Records revocations in the revocation table (see `core/tokens/revocation.ts` for the item
 * format and `REVOCATION_TABLE_KEY`). Every write is one conditional PutItem, so a revocation
 * only ever gets stronger: a kid keeps its first revocation, a subject keeps its latest notBefore.
 * Needs only `dynamodb:PutItem` on the table (`revocationWriterPolicyStatement`).
 *
 * @example
 * ```ts
 * const registry = new DynamoDbRevocationRegistry({ tableName: process.env.REVOCATION_TABLE! });
 * await registry.revokeKid(kid, { revokedAt: new Date(), caseId, keyArn });
 * ```
 */
export class DynamoDbRevocationRegistry implements RevocationRegistry {
  readonly #tableName: string;
  readonly #client: DynamoDBDocumentClient;

  constructor(options: DynamoDbRevocationRegistryOptions) {
    this.#tableName = options.tableName;
    this.#client = options.client ?? DynamoDBDocumentClient.from(new DynamoDBClient(options.clientConfig ?? {}));
  }

  revokeKid(kid: string, details: KidRevocationDetails): Promise<RevocationWrite> {
    return this.#put(kidRevocationItem(kid, details), 'attribute_not_exists(pk)', undefined);
  }

  revokeSubject(sub: string, details: SubjectRevocationDetails): Promise<RevocationWrite> {
    const item = subjectRevocationItem(sub, details);
    return this.#put(item, 'attribute_not_exists(pk) OR notBefore < :notBefore', { ':notBefore': item.notBefore });
  }

  async #put(item: RevocationItem, condition: string, values: Readonly<Record<string, unknown>> | undefined): Promise<RevocationWrite> {
    try {
      const output = await this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: item,
          ConditionExpression: condition,
          ...(values === undefined ? {} : { ExpressionAttributeValues: values }),
        }),
      );
      const requestId = awsRequestId(output);
      return requestId === undefined ? { changed: true } : { changed: true, requestId };
    } catch (error) {
      // The registry already holds an equal or stronger revocation: the goal already holds.
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return { changed: false };
      throw toPortError(error, { operation: 'dynamodb:PutItem', resource: `${this.#tableName}/${item.pk}` });
    }
  }
}
