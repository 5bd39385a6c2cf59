// The listener's SMTP transaction, as smtp-server callbacks: connection limit
// and where AUTH is offered (onConnect, onSecure), the sender rules and rate
// limits at MAIL, the relay rule at RCPT, and DATA through the shared commit
// path (250 only once the message is in the journal). Each session keeps the
// settings it started with; refused commands count towards maxErrors.
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { addressProblem } from '../../message/address.js';
import { isKnownLocalName, localNameOf } from '../../route/known-local.js';
import type { Logger } from '../../shared/log.js';
import type { Publisher } from '../../spool/publish.js';
import type { LoginThrottle } from '../../users/throttle.js';
import { senderAddressesOf } from '../../users/verify.js';
import { queueData, smtpError, smtpReply } from '../smtp-data.js';
import { authHandler } from './auth.js';
import type { ConnectionCounter } from '../../shared/connection-counter.js';
import { RateLimiter, type Rate } from './limits.js';
import { forwardingForm, inNetworks, isOwnHost, ownsSender, plainAddress } from './policy.js';
import type { Settings } from './settings.js';

export interface HandlerDeps {
  publisher: Publisher;
  log: Logger;
  throttle: LoginThrottle;
  connections: ConnectionCounter;
  rates: RateLimiter;
  /** The settings for a new session. */
  current: () => Settings;
}

interface State {
  s: Settings;
  client: string;
  errors: number;
  counted: boolean;
}

type Session = SMTPServerSession & { sid?: string; st?: State };
type Done = (err?: Error | null) => void;

const RELAY_DENIED = '5.7.1 Relay access denied';
let sids = 0;

function stateOf(session: SMTPServerSession): State {
  return (session as Session).st!;
}

/** The commands this session may not use: AUTH before TLS except from the machine itself. */
function disabledFor(st: State, secure: boolean): string[] {
  const off = st.s.tls === 'none' ? ['STARTTLS'] : [];
  if (st.s.auth === 'off' || (!secure && !isOwnHost(st.client))) off.push('AUTH');
  return off;
}

function userOf(session: SMTPServerSession): string | undefined {
  return typeof session.user === 'string' ? session.user : undefined;
}

export function listenerHandlers(d: HandlerDeps): Partial<SMTPServerOptions> {
  /** A refusal that counts against the error budget; past it, 421 and the connection closes. */
  const refuse = (session: SMTPServerSession, code: number, text: string): Error => {
    const st = stateOf(session);
    if (++st.errors >= st.s.maxErrors) {
      d.log.warn('smtp too many errors', { sid: (session as Session).sid, client: st.client });
      return smtpReply(421, '4.7.0 Too many errors, closing connection');
    }
    return smtpReply(code, text);
  };
  const trusted = (session: SMTPServerSession) => userOf(session) !== undefined || inNetworks(stateOf(session).s.relayFrom, session.remoteAddress);

  return {
    onConnect(session: Session, cb: Done) {
      const s = d.current();
      const st: State = { s, client: plainAddress(session.remoteAddress), errors: 0, counted: false };
      session.sid = `N${(++sids).toString(36)}`;
      session.st = st;
      if (!d.connections.acquire(st.client, s.maxConnectionsPerClient)) {
        d.log.warn('smtp connection refused', { client: st.client, reason: 'too many connections from the address' });
        return cb(smtpReply(421, '4.7.0 Too many connections from your address, try again later'));
      }
      st.counted = true;
      session.disabledCommands = disabledFor(st, session.secure);
      cb();
    },
    onSecure(_socket: unknown, session: Session, cb: Done) {
      // Implicit TLS runs this before onConnect, when there is no state yet.
      if (session.st) session.disabledCommands = disabledFor(session.st, true);
      cb();
    },
    onClose(session: Session) {
      if (session.st?.counted) d.connections.release(session.st.client);
      if (session.st) session.st.counted = false;
    },
    onAuth: authHandler({
      usersFile: () => d.current().usersFile,
      throttle: d.throttle,
      log: d.log,
      onFailure: (session) => void (stateOf(session).errors += 1),
    }),
    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb: Done) {
      const st = stateOf(session);
      const user = userOf(session);
      void (async () => {
        const sender = address.address;
        if (/[\r\n\0\s]/.test(sender)) return refuse(session, 553, '5.1.7 Bad sender address syntax');
        if (!user && st.s.auth === 'required' && !inNetworks(st.s.relayFrom, session.remoteAddress)) return refuse(session, 530, '5.7.0 Authentication required');
        if (user && sender !== '' && !ownsSender(user, sender, st.s.view.localDomains, await senderAddressesOf(st.s.usersFile, user))) {
          d.log.warn('smtp sender refused', { sid: (session as Session).sid, user, sender: sender.slice(0, 256) });
          return refuse(session, 553, `5.7.1 <${sender}>: Sender address rejected: not owned by user ${user}`);
        }
        const limits: [string, Rate][] = [];
        if (user && st.s.perUser) limits.push([`u:${user}`, st.s.perUser]);
        if (st.s.perClient) limits.push([`c:${st.client}`, st.s.perClient]);
        if (limits.length && !d.rates.take(limits)) {
          d.log.warn('smtp rate limited', { sid: (session as Session).sid, user, client: st.client });
          return smtpReply(450, '4.7.1 Message rate limit exceeded, try again later');
        }
        return undefined;
      })().then(
        (err) => cb(err),
        (err: Error) => cb(smtpError(err)),
      );
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb: Done) {
      const st = stateOf(session);
      const rcpt = address.address;
      if (session.envelope.rcptTo.length >= st.s.maxRecipients) return cb(smtpReply(452, '4.5.3 Too many recipients'));
      const why = rcpt === '' ? 'empty address' : addressProblem(rcpt);
      if (why) return cb(refuse(session, 553, `5.1.3 bad recipient: ${why}`));
      if (forwardingForm(rcpt)) return cb(refuse(session, 554, RELAY_DENIED));
      const view = st.s.view;
      const name = localNameOf(view, rcpt);
      if (name === undefined) return cb(trusted(session) ? undefined : refuse(session, 554, RELAY_DENIED));
      // An unknown local recipient is refused while the client is there, not bounced later.
      if (!isKnownLocalName(view, name)) return cb(refuse(session, 550, `5.1.1 <${rcpt}>: Recipient address rejected: User unknown in local recipient table`));
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void) {
      const st = stateOf(session);
      const user = userOf(session);
      const tls = session.secure ? session.tlsOptions : undefined;
      const ip = st.client;
      const host = session.clientHostname && !session.clientHostname.startsWith('[') ? session.clientHostname : 'unknown';
      // RFC 3848: ESMTPS over TLS, ESMTPA authenticated, ESMTPSA both.
      const protocol = `ESMTP${session.secure ? 'S' : ''}${user ? 'A' : ''}`;
      const fromDetail = [`(${host} [${ip}])`];
      if (tls && tls.name) fromDetail.push(`(using ${(tls as { version?: string }).version ?? 'TLS'} with cipher ${tls.name})`);
      if (user) fromDetail.push(`(Authenticated sender: ${user})`);
      queueData(stream, session, { view: st.s.view, publisher: d.publisher, maxSize: st.s.maxMessageSize, protocol, fromDetail, user: user ?? null, source: 'smtp', client: ip }).then(
        (envelope) => {
          d.log.event(envelope.id, 'queued', { from: `<${envelope.sender}>`, size: envelope.size, nrcpt: envelope.recipients.length, via: 'smtp', client: ip, user, sid: (session as Session).sid });
          cb(null, `2.0.0 Ok: queued as ${envelope.id}`);
        },
        (err: Error) => {
          d.log.warn('smtp submission refused', { sid: (session as Session).sid, reason: err.message });
          cb(smtpError(err));
        },
      );
    },
  };
}
