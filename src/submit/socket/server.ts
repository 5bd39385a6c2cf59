// SMTP (or LMTP with socket.lmtp) on the local Unix socket, mode 0666, served by
// smtp-server. 250 is sent only after the message is fsynced in the queue; a
// message that cannot be stored gets 451/452 and leaves nothing behind.
// Extensions: SIZE, 8BITMIME, SMTPUTF8, PIPELINING, DSN. ENHANCEDSTATUSCODES is not
// advertised (smtp-server would prefix its own codes to ours); our replies carry them in the text.
import { chmodSync, promises as fsp } from 'node:fs';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../../config/load.js';
import { submitViewOf } from '../../config/load.js';
import { MailroomError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Publisher } from '../../spool/publish.js';
import { queueData, smtpError } from '../smtp-data.js';
import { allowImmediateGreeting } from './greeting.js';
import { boundCommandLines } from './line-limit.js';
import { explainRcptSyntax } from './rcpt-syntax.js';
import { coalesceReplies } from './smtp-server-adapter.js';
import { addressProblem } from '../../message/address.js';
import { isKnownLocalName, localNameOf } from '../../route/known-local.js';

export interface SocketServer {
  close(): Promise<void>;
}

export async function startSocketServer(config: Config, publisher: Publisher, log: Logger): Promise<SocketServer> {
  const view = submitViewOf(config);
  const lmtp = config.socket.lmtp;
  let sid = 0;
  allowImmediateGreeting();
  explainRcptSyntax();
  const server = new SMTPServer({
    ...({ noGreetingDelay: true, explainRcptSyntax: true } as object),
    ...boundCommandLines(),
    lmtp,
    name: config.hostname,
    banner: 'mailroom',
    size: config.maxMessageSize,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    hideDSN: false,
    logger: false,
    socketTimeout: 5 * 60_000,
    closeTimeout: 5000,
    // A Unix socket has no peer address: without this smtp-server waits on a
    // reverse lookup before its greeting.
    disableReverseLookup: true,
    onConnect(session, cb) {
      (session as SMTPServerSession & { sid?: string }).sid = `L${(++sid).toString(36)}`;
      cb();
    },
    onMailFrom(address, _session, cb) {
      if (/[\r\n\0\s]/.test(address.address)) return cb(Object.assign(new Error('5.1.7 Bad sender address syntax'), { responseCode: 553 }));
      cb();
    },
    onRcptTo(address, _session, cb) {
      // The same check as sendmail's (rcpt-syntax.ts answers what smtp-server cannot parse at all).
      const why = address.address === '' ? 'empty address' : addressProblem(address.address);
      if (why) return cb(Object.assign(new Error(`5.1.3 bad recipient: ${why}`), { responseCode: 553 }));
      // An unknown local recipient is refused at RCPT TO (550 5.1.1), while the client is there, not bounced later.
      const name = localNameOf(view, address.address.includes('@') ? address.address : `${address.address}@${config.hostname}`);
      if (name !== undefined && !isKnownLocalName(view, name)) return cb(smtpError(new MailroomError('USER_UNKNOWN', `<${address.address}>: Recipient address rejected: User unknown in local recipient table`)));
      cb();
    },
    onData(stream, session, cb) {
      void (async () => {
        const envelope = await queueData(stream, session, { view, publisher, maxSize: config.maxMessageSize, protocol: lmtp ? 'LMTP' : 'ESMTP', user: null, source: 'socket' });
        log.event(envelope.id, 'queued', { from: `<${envelope.sender}>`, size: envelope.size, nrcpt: envelope.recipients.length, via: lmtp ? 'socket-lmtp' : 'socket', sid: (session as { sid?: string }).sid });
        return `2.0.0 Ok: queued as ${envelope.id}`;
      })().then(
        (msg) => cb(null, msg),
        (err) => {
          log.warn('socket submission refused', { sid: (session as { sid?: string }).sid, reason: (err as Error).message });
          cb(smtpError(err));
        },
      );
    },
  });
  server.on('error', (err) => log.error('socket server error', { error: err.message }));
  server.server.on('connection', coalesceReplies);
  await fsp.rm(config.socket.path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(config.socket.path, () => resolve());
  });
  chmodSync(config.socket.path, 0o666);
  log.info('listening', { socket: config.socket.path, protocol: lmtp ? 'LMTP' : 'SMTP' });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}
