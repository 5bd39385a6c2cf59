// COPY and UID COPY (RFC 3501 §6.4.7) with the COPYUID response code of
// UIDPLUS (RFC 4315 §3). Also owns what MOVE and APPEND share: opening the
// target mailbox, where a missing one means NO [TRYCREATE] (RFC 3501 §6.3.11).
import type { Folder } from '../../mailbox/folders.js';
import { compactSet, seqSetInRange } from '../search/sets.js';
import type { CommandContext, Completion, Executor } from '../types.js';

/** Opens a mailbox for COPY/MOVE/APPEND, or the NO [TRYCREATE] completion when it does not exist. */
export async function openTarget(ctx: CommandContext, name: string): Promise<Folder | Completion> {
  try {
    return await ctx.store.open(name);
  } catch (err) {
    if ((err as { code?: unknown })?.code === 'MAILBOX_NOT_FOUND') return { status: 'NO', code: 'TRYCREATE', text: 'Mailbox does not exist' };
    throw err;
  }
}

/** The COPYUID code of RFC 4315: target UIDVALIDITY, source UIDs, target UIDs in corresponding order. */
export function copyUidCode(target: Folder, pairs: ReadonlyArray<readonly [number, number]>): string {
  return `COPYUID ${target.current().uidValidity} ${compactSet(pairs.map((p) => p[0]))} ${compactSet(pairs.map((p) => p[1]))}`;
}

/** Brings the session up to date when a message arrived in its own mailbox (RFC 3501 §6.3.11: EXISTS at once). */
export async function announceIfSelected(ctx: CommandContext, target: Folder): Promise<void> {
  if (ctx.selected && ctx.selected.folder.name === target.name) await ctx.announce(true);
}

export const runCopy: Executor<'COPY'> = async (ctx, cmd) => {
  const view = ctx.selected;
  if (!view) return { status: 'BAD', text: 'No mailbox selected' };
  const name = cmd.uid ? 'UID COPY' : 'COPY';
  if (!cmd.uid && !seqSetInRange(cmd.set, view.snapshot.messages.length)) return { status: 'BAD', text: 'Invalid message sequence number' };
  const uids = view.resolve(cmd.set, cmd.uid).map((i) => view.snapshot.messages[i]!.uid);
  const target = await openTarget(ctx, cmd.mailbox);
  if (!('current' in target)) return target;
  try {
    // RFC 4315: a UID set that matches nothing copies nothing and says so.
    if (uids.length === 0) return { status: 'OK', text: `${name} completed, no messages` };
    const pairs = await view.folder.copy(uids, target);
    await announceIfSelected(ctx, target);
    if (pairs.length === 0) return { status: 'NO', code: 'EXPUNGEISSUED', text: 'The messages no longer exist' };
    return { status: 'OK', code: copyUidCode(target, pairs), text: `${name} completed` };
  } finally {
    target.release();
  }
};
