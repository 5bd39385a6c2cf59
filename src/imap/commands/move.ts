// MOVE and UID MOVE (RFC 6851): copy into the target, remove from the source,
// then the untagged OK [COPYUID] and the expunges before the tagged OK. The
// session's announce reports the removals (EXPUNGE, or VANISHED under QRESYNC),
// so no removal is reported twice.
import { seqSetInRange } from '../search/sets.js';
import type { Executor } from '../types.js';
import { announceIfSelected, copyUidCode, openTarget } from './copy.js';

export const runMove: Executor<'MOVE'> = async (ctx, cmd) => {
  const view = ctx.selected;
  if (!view) return { status: 'BAD', text: 'No mailbox selected' };
  const name = cmd.uid ? 'UID MOVE' : 'MOVE';
  if (!cmd.uid && !seqSetInRange(cmd.set, view.snapshot.messages.length)) return { status: 'BAD', text: 'Invalid message sequence number' };
  // Moving out removes messages, which a read-only session may not (RFC 6851 §3.3).
  if (view.readOnly) return { status: 'NO', text: 'Mailbox is read-only' };
  const uids = view.resolve(cmd.set, cmd.uid).map((i) => view.snapshot.messages[i]!.uid);
  const target = await openTarget(ctx, cmd.mailbox);
  if (!('current' in target)) return target;
  try {
    if (uids.length === 0) return { status: 'OK', text: `${name} completed, no messages` };
    const pairs = await view.folder.move(uids, target);
    if (pairs.length > 0) ctx.send(`* OK [${copyUidCode(target, pairs)}] Moved`);
    await ctx.announce(true);
    if (target.name !== view.folder.name) await announceIfSelected(ctx, target);
    if (pairs.length === 0) return { status: 'NO', code: 'EXPUNGEISSUED', text: 'The messages no longer exist' };
    return { status: 'OK', text: `${name} completed` };
  } finally {
    target.release();
  }
};
