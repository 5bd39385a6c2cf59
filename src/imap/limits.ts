// Connection limits: at most so many IMAP connections per client address
// (checked when the connection is accepted) and per user (checked at login),
// so one client or one account cannot take the whole server. The counting is
// shared/connection-counter.ts.

/** Defaults as Dovecot's mail_max_userip_connections is per user (10) and per address; a little more generous. */
export const MAX_CONNECTIONS_PER_USER = 20;
export const MAX_CONNECTIONS_PER_ADDRESS = 50;
