// QUIT (RFC 1939 §4, §6): in TRANSACTION enters UPDATE — deletes the marked
// messages and moves retrieved ones to cur/ with the S (seen) flag — then ends.
// If removal fails the client is told so (-ERR [SYS/TEMP]); nothing else is lost.
// UPDATE runs to its end even when the connection drops meanwhile; the
// mailbox lock is freed only after it.
import type { Pop3Command } from '../command.js';

export const quit: Pop3Command = {
  verb: 'QUIT',
  states: ['AUTHORIZATION', 'TRANSACTION'],
  args: [0, 0],
  async run(s) {
    if (s.state === 'AUTHORIZATION') {
      s.send('+OK Logging out.');
      return s.close();
    }
    s.state = 'UPDATE';
    const store = s.store!;
    const gone = [...s.deleted].map((n) => s.messages[n - 1]!);
    try {
      for (const n of s.retrieved) {
        if (s.deleted.has(n)) continue;
        const m = s.messages[n - 1]!;
        if (!m.flags.includes('S')) await store.setFlags(m, m.flags + 'S');
      }
      await store.remove(gone);
    } catch (err) {
      s.log.error('pop3 update failed', { sid: s.sid, user: s.user, error: (err as Error).message });
      s.send('-ERR [SYS/TEMP] Some deleted messages were not removed.');
      s.close();
      return s.releaseLock();
    }
    s.log.info('pop3 logged out', { sid: s.sid, user: s.user, retrieved: s.retrieved.size, deleted: gone.length });
    s.send(`+OK Logging out, ${gone.length} messages deleted.`);
    // The reply is queued before the lock is freed: a client that reconnects on +OK finds the mailbox free.
    s.close();
    s.releaseLock();
  },
};
