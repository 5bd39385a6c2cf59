// The local router's interface: alias expansion and local-domain knowledge.
// What it resolves a recipient to (Destination) is a contract between
// routing, the queue manager and local delivery: shared/delivery.ts.
import type { Config } from '../config/load.js';
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
  /** Re-reads the aliases file (after newaliases), or rebuilds from a new Config (SIGHUP). */
  reload(config?: Config): Promise<void>;
}
