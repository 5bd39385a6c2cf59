// IDLE (RFC 2177): `+ idling`, then changes to the selected folder are pushed
// as they happen (the folder store's watch, debounced) until the client sends
// DONE. The autologout timer keeps running: a client silent for 30 minutes
// is logged out even while idling (it should re-issue IDLE before that).
import { AUTHED, type ImapHandler } from './handler.js';

export const idle: ImapHandler<'IDLE'> = {
  states: AUTHED,
  announce: false,
  async run(s) {
    s.send('+ idling');
    const sel = s.selected;
    let pushing: Promise<void> = Promise.resolve();
    const push = () => {
      pushing = pushing
        .then(() => (s.selected === sel ? s.announce(true) : undefined))
        .catch((err: Error) => s.log.warn('imap idle update failed', { sid: s.sid, user: s.user, error: err.message }));
    };
    const unwatch = sel ? sel.folder.watch(push) : () => undefined;
    if (sel) push(); // anything that changed before the watch started
    try {
      const line = await s.readLine();
      if (!line) return;
      if (line.kind !== 'line') return { status: 'BAD', text: 'Line too long' };
      if (line.bytes.toString('latin1').toUpperCase() !== 'DONE') return { status: 'BAD', text: 'Expected DONE' };
      return { status: 'OK', text: 'IDLE terminated' };
    } finally {
      unwatch();
      await pushing;
    }
  },
};
