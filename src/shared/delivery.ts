// The contracts between the queue runner (src/schedule) and the stages that
// deliver (src/relay, src/local): what the runner hands over and what comes
// back for each recipient, and where routing (src/route) sends a recipient.
// Both sides import them from here, so neither imports the other. Types
// only: nothing here runs.
import type { Result } from './replies.js';

/** Where one envelope recipient ends up after alias expansion (route/router.ts resolves it). */
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

/** What local delivery needs of a queued message's envelope (spool/envelope.ts has the whole). */
export interface DeliveryEnvelope {
  id: string;
  /** Envelope sender; '' is the null sender. */
  sender: string;
}

/**
 * The result of one delivery attempt to one recipient, as the runner records
 * it: status, SMTP code, enhanced status and text (shared/replies.ts builds
 * them; replyLine renders "452 4.2.2 mailbox full (...)"). Temporary vs
 * permanent is decided once, where the failure is understood
 * (local/classify.ts, relay/classify.ts), and travels as `status`.
 */
export interface DeliveryOutcome extends Result {
  /** Where it went, for the log line: "maildir:/var/mail/root", "lmtp:127.0.0.1:24", "smtp.example.com[192.0.2.1]:587". */
  relay?: string;
}

/** Local delivery (src/local/deliver.ts): one recipient's destination at a time. */
export interface LocalDelivery {
  /** Delivers `message` (the spool's bytes) for `recipient` to one mailbox, command or file. */
  deliver(dest: Destination, env: DeliveryEnvelope, recipient: string, message: Buffer): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

/** A remote recipient as the relay sends it (RFC 3461 NOTIFY and ORCPT travel along). */
export interface RelayRecipient {
  address: string;
  notify?: string[] | undefined;
  orcpt?: string | undefined;
}

/** One message's remote recipients, as handed to a transport. */
export interface RelayJob {
  id: string;
  sender: string;
  recipients: RelayRecipient[];
  message: Buffer;
  ret?: string | undefined;
  envid?: string | undefined;
  eightBit: boolean;
  /** The message needs SMTPUTF8 (UTF-8 in an address or a header, RFC 6531/6532). */
  smtputf8?: boolean | undefined;
}

/** One remote recipient's result (`relay` and `tls` for the log line). */
export interface RelayResult extends Result {
  address: string;
  relay?: string;
  tls?: boolean;
}

/** The relay's two transports (src/relay/service.ts). */
export interface Deliverers {
  /** Remote recipients of one message through the smart hosts (grouped by the caller). */
  smarthost(job: RelayJob): Promise<RelayResult[]>;
  /** Remote recipients of one domain through its MX hosts. */
  mx(domain: string, job: RelayJob): Promise<RelayResult[]>;
}
