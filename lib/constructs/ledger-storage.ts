import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TableAccess } from '../permissions.js';
import { LEDGER_TABLE_SCHEMA, REGISTRY_TABLE_SCHEMA, type TableSchema } from '../table-schemas.js';

/**
 * Sever's state: the append-only ledger, the revocation registry relying services read, the
 * customer-managed keys encrypting both, and the asymmetric key signing ledger digests.
 * Everything here survives a stack deletion: losing the ledger or its keys loses the evidence.
 */
export class LedgerStorage extends Construct {
  readonly ledger: TableAccess;
  readonly registry: TableAccess;
  /** ECC_NIST_P256 SIGN_VERIFY key: kms:Sign for the digest function, Verify/GetPublicKey for auditors. */
  readonly digestKey: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    const ledgerKey = this.dataKey('LedgerKey', 'Sever: encrypts the ledger table');
    const registryKey = this.dataKey('RegistryKey', 'Sever: encrypts the revocation registry table');

    this.ledger = {
      table: this.table('LedgerTable', LEDGER_TABLE_SCHEMA, ledgerKey),
      key: ledgerKey,
      indexNames: LEDGER_TABLE_SCHEMA.indexes.map((index) => index.indexName),
    };
    this.registry = {
      table: this.table('RevocationTable', REGISTRY_TABLE_SCHEMA, registryKey),
      key: registryKey,
      indexNames: REGISTRY_TABLE_SCHEMA.indexes.map((index) => index.indexName),
    };

    this.digestKey = new Key(this, 'DigestSigningKey', {
      description: 'Sever: signs ledger digests (ECDSA P-256)',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      // Old digests stay verifiable only while this key exists.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
  }

  private dataKey(id: string, description: string): Key {
    return new Key(this, id, {
      description,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
  }

  private table(id: string, schema: TableSchema, key: Key): Table {
    const table = new Table(this, id, {
      partitionKey: { name: schema.partitionKey.name, type: attributeType(schema.partitionKey.type) },
      sortKey: schema.sortKey && { name: schema.sortKey.name, type: attributeType(schema.sortKey.type) },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: schema.timeToLiveAttribute,
    });
    for (const index of schema.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
        sortKey: index.sortKey && { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
        projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      });
    }
    return table;
  }
}

function attributeType(type: 'S' | 'N' | 'B'): AttributeType {
  switch (type) {
    case 'S':
      return AttributeType.STRING;
    case 'N':
      return AttributeType.NUMBER;
    case 'B':
      return AttributeType.BINARY;
  }
}
