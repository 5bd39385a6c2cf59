// The local router's interface: alias expansion and local-domain knowledge.
// What it resolves a recipient to (Destination) is a contract between
// routing, the queue manager and local delivery: shared/delivery.ts.
import type { Destination } from '../shared/delivery.js';

export type { Destination };

/** Alias expansion and local-domain knowledge, built once from the Config. */
export interface LocalRouter {
  /** True when the address's domain is local (bare names are qualified before). */
  isLocal(address: string): boolean;
  /**
   * Expands one recipient through the aliases (chains, :include:, loops
   * detected) into its final destinations; a remote address stays remote.
   */
  resolve(address: string): Destination[];
  /** Re-reads the aliases file and users (after newaliases / SIGHUP). */
  reload(): Promise<void>;
}
