import { PortError } from '../../core/errors.js';
import { rotateSecretValue } from '../../core/keygen/secret-value.js';
import type { CallRecord, StoredKeyRotator } from '../../core/ports.js';
import type { AccountSnapshot } from '../../core/snapshot/model.js';
import { generatePemPrivateKey } from './key-material.js';

interface Versioned {
  /** Newest last. */
  readonly versions: { readonly id: string; readonly value: string }[];
}

/**
 * Secrets Manager and Parameter Store in the sandbox, holding real private keys. A signing secret
 * or parameter from the snapshot starts with a freshly generated P-256 key (the snapshot never
 * carries values); rotation generates a new key of the same algorithm and format, exactly as the
 * rotation Lambda does on AWS, and keeps the old value as the previous version.
 */
export class SandboxStoredKeys implements StoredKeyRotator {
  readonly #secrets = new Map<string, Versioned & { readonly tokens: Set<string> }>();
  readonly #parameters = new Map<string, Versioned & { readonly labels: Set<string> }>();
  readonly #count: (api: string) => void;
  #requests = 0;

  constructor(snapshot: AccountSnapshot, count: (api: string) => void) {
    this.#count = count;
    for (const secret of snapshot.secrets.filter((s) => s.tags['sever:signing-key'] === 'true')) {
      this.#secrets.set(secret.arn, { versions: [{ id: 'v1', value: generatePemPrivateKey() }], tokens: new Set() });
    }
    for (const parameter of snapshot.parameters.filter((p) => p.tags['sever:signing-key'] === 'true')) {
      this.#parameters.set(parameter.name, { versions: [{ id: '1', value: generatePemPrivateKey() }], labels: new Set() });
    }
  }

  async rotateSecret(secretArn: string, token: string): Promise<CallRecord & { status: 'started' | 'in-progress' }> {
    this.#count('secretsmanager:RotateSecret');
    const secret = this.#secrets.get(secretArn);
    if (!secret) throw new PortError('ERR_FAILED', `secret ${secretArn} does not exist`, 'ResourceNotFoundException');
    // The same ClientRequestToken is the same rotation: Secrets Manager does not start another.
    if (secret.tokens.has(token)) return { ...this.#ok(), status: 'in-progress' };
    secret.tokens.add(token);
    const current = secret.versions.at(-1)?.value as string;
    const rotated = await rotateSecretValue(current, { source: `secret ${secretArn}` });
    secret.versions.push({ id: token, value: rotated.value });
    return { ...this.#ok(), status: 'started' };
  }

  async rotateParameter(name: string, stepId: string): Promise<CallRecord & { version: number }> {
    this.#count('ssm:GetParameter');
    const parameter = this.#parameters.get(name);
    if (!parameter) throw new PortError('ERR_FAILED', `parameter ${name} does not exist`, 'ParameterNotFound');
    if (!parameter.labels.has(stepId)) {
      this.#count('ssm:PutParameter');
      const current = parameter.versions.at(-1)?.value as string;
      const rotated = await rotateSecretValue(current, { source: `parameter ${name}` });
      parameter.versions.push({ id: String(parameter.versions.length + 1), value: rotated.value });
      this.#count('ssm:LabelParameterVersion');
      parameter.labels.add(stepId);
    }
    return { ...this.#ok(), version: parameter.versions.length };
  }

  /** The current value, for the demo's proof that the key really changed (never printed). */
  currentValue(kind: 'secret' | 'parameter', id: string): string | undefined {
    const store = kind === 'secret' ? this.#secrets.get(id) : this.#parameters.get(id);
    return store?.versions.at(-1)?.value;
  }

  #ok(): CallRecord {
    this.#requests += 1;
    return { requestId: `sandbox-sm-${String(this.#requests).padStart(6, '0')}` };
  }
}
