// The one place that reads or changes private members of nodemailer's
// SMTPConnection: its socket, what the EHLO reply offered, and the command
// writer MAIL FROM goes through. nodemailer has no public way to any of them;
// test/relay/nodemailer-canary.test.ts fails, naming the member, when an
// update removes or changes one of them.
import type { Socket } from 'node:net';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';

/** The private members used here, and the type each has on a fresh connection. */
export const NODEMAILER_PRIVATE_MEMBERS = {
  _socket: 'boolean', // false until connect, then the net.Socket or tls.TLSSocket
  _supportedAuth: 'object', // string[]: the AUTH mechanisms nodemailer implements and the server offered
  _supportedExtensions: 'object', // string[]: the EHLO keywords
  _sendCommand: 'function', // (line, logLine?) => void: every command goes through it
} as const;

interface Internals {
  _socket?: Socket | false | null;
  _supportedAuth?: string[];
  _supportedExtensions?: string[];
  _sendCommand: (str: string, logStr?: string) => void;
  /** Set by nodemailer when MAIL FROM carried SMTPUTF8; it words its 550/553 errors by it. */
  _usingSmtpUtf8?: boolean;
}

function internals(conn: SMTPConnection): Internals {
  return conn as unknown as Internals;
}

function socketOf(conn: SMTPConnection): Socket | undefined {
  return internals(conn)._socket || undefined;
}

/**
 * No Nagle: the message and the final "." would otherwise wait ~40 ms for the
 * server's delayed ACK, on every message.
 */
export function disableNagle(conn: SMTPConnection): void {
  socketOf(conn)?.setNoDelay?.(true);
}

/** The address the connection reached (an IPv4-mapped IPv6 address as plain IPv4). */
export function peerAddress(conn: SMTPConnection): string | undefined {
  return socketOf(conn)?.remoteAddress?.replace(/^::ffff:/, '');
}

/** The AUTH mechanisms the server offered that nodemailer implements itself. */
export function offeredAuth(conn: SMTPConnection): string[] {
  return [...(internals(conn)._supportedAuth ?? [])];
}

/** Whether the last EHLO reply listed the extension keyword (upper case). */
export function offersExtension(conn: SMTPConnection, keyword: string): boolean {
  return internals(conn)._supportedExtensions?.includes(keyword) === true;
}

/**
 * Makes the next MAIL FROM carry SMTPUTF8 even when no address needs it
 * (nodemailer asks only for UTF-8 addresses). Returns the undo, to call when
 * the transaction is over.
 */
export function forceSmtpUtf8(conn: SMTPConnection): () => void {
  const c = internals(conn);
  const plain = c._sendCommand;
  c._sendCommand = function (str: string, logStr?: string) {
    if (/^MAIL FROM:/i.test(str) && !/ SMTPUTF8(\s|$)/i.test(str)) {
      str += ' SMTPUTF8';
      c._usingSmtpUtf8 = true;
    }
    return plain.call(c, str, logStr);
  };
  return () => {
    delete (c as Partial<Internals>)._sendCommand;
  };
}
