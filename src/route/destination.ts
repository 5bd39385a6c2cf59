// Where one envelope recipient ends up after alias expansion: the contract
// between routing (src/route), the queue manager (src/schedule) and local
// delivery (src/local).

export type Destination =
  /** A local mailbox (Maildir, mbox, or the LMTP server of local.lmtp). */
  | { kind: 'mailbox'; user: string }
  /** `|command` from a root-owned aliases file; run as a non-root user. */
  | { kind: 'pipe'; command: string; alias: string }
  /** `/path/file` from a root-owned aliases file: append in mbox format. */
  | { kind: 'file'; path: string; alias: string }
  /** Not local: the relay delivers it (smart host or MX). */
  | { kind: 'remote'; address: string }
  /** A local name with no mailbox user, system account or alias (550 5.1.1). */
  | { kind: 'unknown'; address: string; reason: string };

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
