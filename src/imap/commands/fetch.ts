// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8) with CONDSTORE CHANGEDSINCE and
// QRESYNC VANISHED (RFC 7162). Messages are answered one at a time as their
// file is read (at most once each; not at all when the folder's cache holds
// ENVELOPE/BODYSTRUCTURE), written one chunk per batch, between which the event
// loop turns and the socket may drain. Planning and rendering live in fetch/.
import type { MessageRecord } from '../../mailbox/folders.js';
import { planFetch } from '../fetch/plan.js';
import { allCached, cachedOnly } from '../fetch/cached.js';
import { FetchOutput } from '../fetch/output.js';
import { renderMessage } from '../fetch/render.js';
import { load, type Loaded } from '../fetch/source.js';
import { latestRecord, missingUids, seqSetInRange } from '../search/sets.js';
import type { Executor } from '../types.js';

/** Messages per batch: \Seen is stored for a batch at once, then the loop yields. */
const BATCH = 256;
/** Octets written after which the next batch waits for the socket to drain. */
const DRAIN_AFTER = 4 * 1024 * 1024;

export const runFetch: Executor<'FETCH'> = async (ctx, cmd) => {
  const view = ctx.selected;
  if (!view) return { status: 'BAD', text: 'No mailbox selected' };
  const snapshot = view.snapshot;
  if (!cmd.uid && !seqSetInRange(cmd.set, snapshot.messages.length)) return { status: 'BAD', text: 'Invalid message sequence number' };
  if (cmd.vanished && (!cmd.uid || cmd.changedSince === undefined || !ctx.enabled.has('QRESYNC'))) {
    // RFC 7162 §3.2.6: VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled.
    return { status: 'BAD', text: 'VANISHED requires UID FETCH with CHANGEDSINCE after ENABLE QRESYNC' };
  }
  // FETCH MODSEQ and CHANGEDSINCE are CONDSTORE enabling commands (RFC 7162 §3.1).
  if (cmd.changedSince !== undefined || cmd.atts.some((a) => a.kind === 'MODSEQ')) ctx.enabled.add('CONDSTORE');
  const condstore = ctx.enabled.has('CONDSTORE') || ctx.enabled.has('QRESYNC');
  const plan = planFetch(cmd.atts, { uidCommand: cmd.uid, condstore, changedSince: cmd.changedSince !== undefined });
  const indexes = view.resolve(cmd.set, cmd.uid);

  if (cmd.vanished) {
    const gone = missingUids(cmd.set, view.folder.current(), view.savedSearch);
    if (gone) ctx.send(`* VANISHED (EARLIER) ${gone}`);
  }

  const setSeen = plan.setsSeen && !view.readOnly;
  // Items the cache can answer, when nothing else needs the file.
  const cacheable = plan.read === 'none' ? undefined : cachedOnly(plan.items);
  const out = new FetchOutput(ctx);
  let vanished = 0;
  for (let b = 0; b < indexes.length; b += BATCH) {
    if (b > 0) {
      out.flush();
      await new Promise((r) => setImmediate(r));
      if (out.written >= DRAIN_AFTER && ctx.drain) {
        await ctx.drain();
        out.written = 0;
      }
    }
    const batch = indexes.slice(b, b + BATCH);
    // The folder's latest record of each message; gone ones keep the session's copy.
    const current = view.folder.current();
    const records = new Map<number, MessageRecord>();
    const present = new Set<number>();
    for (const i of batch) {
      const mine = snapshot.messages[i]!;
      const latest = latestRecord(current, mine.uid);
      if (latest) present.add(mine.uid);
      records.set(i, latest ?? mine);
    }
    const seenNow = new Set<number>();
    if (setSeen) {
      const unseen = batch.map((i) => records.get(i)!).filter((r) => present.has(r.uid) && !r.flags.includes('\\Seen'));
      if (unseen.length > 0) {
        const result = await view.folder.store(unseen.map((r) => r.uid), 'add', ['\\Seen']);
        const byUid = new Map(result.changed.map((r) => [r.uid, r]));
        for (const i of batch) {
          const changed = byUid.get(records.get(i)!.uid);
          if (changed) {
            records.set(i, changed);
            seenNow.add(changed.uid);
          }
        }
      }
    }
    for (const i of batch) {
      const record = records.get(i)!;
      if (cmd.changedSince !== undefined && record.modseq <= cmd.changedSince) continue;
      const src: Loaded = {};
      const read = cacheable && allCached(view.folder, record.uid, cacheable) ? 'none' : plan.read;
      if (read !== 'none' && !load(view.folder, record.uid, read, src)) {
        // Expunged by someone else meanwhile: no response for it (RFC 2180 §4.1.3 allows either).
        vanished++;
        continue;
      }
      out.add(renderMessage(plan, view.folder, i + 1, record, view.recent.has(record.uid), src, plan.flags || seenNow.has(record.uid)));
    }
  }
  out.flush();
  const name = cmd.uid ? 'UID FETCH' : 'FETCH';
  // RFC 5530 EXPUNGEISSUED: some messages had been removed by another session.
  if (vanished > 0) return { status: 'OK', code: 'EXPUNGEISSUED', text: `${name} completed, some messages no longer exist` };
  return { status: 'OK', text: `${name} completed` };
};
