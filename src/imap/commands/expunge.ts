// EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes the
// messages flagged \Deleted (only those of the set for UID EXPUNGE), then the
// session's announce reports them: `* n EXPUNGE` each relative to the state
// after the previous one, or VANISHED under QRESYNC, each removal once.
import type { Executor } from '../types.js';

export const runExpunge: Executor<'EXPUNGE'> = async (ctx, cmd) => {
  const view = ctx.selected;
  if (!view) return { status: 'BAD', text: 'No mailbox selected' };
  const name = cmd.uid ? 'UID EXPUNGE' : 'EXPUNGE';
  if (view.readOnly) return { status: 'NO', text: 'Mailbox is read-only' };
  if (cmd.uid && cmd.set) {
    const uids = view.resolve(cmd.set, true).map((i) => view.snapshot.messages[i]!.uid);
    if (uids.length > 0) await view.folder.expunge(uids);
  } else {
    await view.folder.expunge();
  }
  await ctx.announce(true);
  return { status: 'OK', text: `${name} completed` };
};
