// A check of one relay target without sending mail: connect, greet, TLS and
// AUTH exactly as a delivery would (same options, timeouts and OAuth2 tokens),
// then quit. Used by `mailroom test --connect` and `mailroom status --connect`.
import type { Config } from '../config/load.js';
import { createLogger } from '../shared/log.js';
import { replyLine } from '../shared/replies.js';
import { classifyError } from './classify.js';
import { OAuth2Tokens } from './oauth2.js';
import { openSession, type Target } from './session.js';
import type { Timeouts } from './transaction.js';

/** Resolves to a one-line description of the session; throws with the classified reply when it fails. */
export async function probeTarget(config: Config, t: Target, timeouts: Timeouts = config.relay.timeouts): Promise<string> {
  const log = createLogger('error');
  try {
    const s = await openSession(t, { hostname: config.hostname, timeouts, log, oauth: (c) => new OAuth2Tokens(c, log) });
    const line = `connected to ${s.relay}, TLS ${s.tls ? 'yes' : 'no'}${t.auth ? `, AUTH accepted for ${t.auth.user}` : ''}`;
    s.close();
    return line;
  } catch (err) {
    throw new Error(replyLine(classifyError(err).reply));
  }
}
