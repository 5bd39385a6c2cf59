// The result of one delivery attempt to one recipient, as the queue manager
// records it. Temporary vs permanent is decided once, where the failure is
// understood (local/deliver.ts, relay/classify.ts), and travels as `status`.
export interface DeliveryOutcome {
  status: 'delivered' | 'deferred' | 'failed';
  /** The reply or reason, e.g. "250 2.0.0 delivered to maildir" or "452 4.2.2 quota exceeded". */
  reply: string;
  /** Where it went, for the log line: "maildir:/var/mail/root", "lmtp:127.0.0.1:24", "smtp.example.com[192.0.2.1]:587". */
  relay?: string;
}
