import type { Clock, CredentialStore, KeyManager, Ledger, Scheduler, SessionRevoker, StoredKeyRotator } from '../ports.js';
import type { JwksPublisher, RevocationRegistry } from '../tokens/ports.js';

/** Every port a case touches; the handler, the CLI and the sandbox each fill it differently. */
export interface CasePorts {
  readonly credentials: CredentialStore;
  readonly sessions: SessionRevoker;
  readonly keys: KeyManager;
  readonly storedKeys: StoredKeyRotator;
  readonly jwks: JwksPublisher;
  readonly registry: RevocationRegistry;
  readonly scheduler: Scheduler;
  readonly ledger: Ledger;
  readonly clock: Clock;
}
