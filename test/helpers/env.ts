// Shared test plumbing, by purpose: sandboxes (sandbox.ts), the real programs
// and the daemon as child processes (daemon.ts), readers of the spool and the
// stored messages (spool.ts), and the SMTP/LMTP client (smtp-client.ts).
export * from './daemon.js';
export * from './sandbox.js';
export * from './smtp-client.js';
export * from './spool.js';
