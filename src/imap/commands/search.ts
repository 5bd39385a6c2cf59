// SEARCH and UID SEARCH (RFC 3501 §6.4.4), with the MODSEQ key of CONDSTORE
// (RFC 7162 §3.1.5), ESEARCH return options (RFC 4731) and SAVE (RFC 5182).
// Evaluation lives in search/; this file resolves the view and writes results.
import type { MessageRecord } from '../../mailbox/folders.js';
import { keysOf } from '../search/evaluate.js';
import { searchMessages } from '../search/run.js';
import { compactSet, latestRecord } from '../search/sets.js';
import type { Executor } from '../types.js';

const CHARSETS = ['US-ASCII', 'UTF-8'];
const RETURN_OPTS = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE'];

export const runSearch: Executor<'SEARCH'> = async (ctx, cmd) => {
  const view = ctx.selected;
  if (!view) return { status: 'BAD', text: 'No mailbox selected' };
  if (cmd.charset !== undefined && !CHARSETS.includes(cmd.charset.toUpperCase())) {
    return { status: 'NO', code: `BADCHARSET (${CHARSETS.join(' ')})`, text: 'Unsupported charset' };
  }
  const opts = cmd.returnOpts?.map((o) => o.toUpperCase());
  if (opts?.some((o) => !RETURN_OPTS.includes(o))) return { status: 'BAD', text: 'Unknown search return option' };
  const withModseq = keysOf(cmd.key).some((k) => k.op === 'modseq');
  // A MODSEQ search key enables CONDSTORE for the session (RFC 7162 §3.1).
  if (withModseq) ctx.enabled.add('CONDSTORE');

  // Sequence numbers are those of the session's view; flags are the folder's latest.
  const current = view.folder.current();
  const messages: MessageRecord[] = view.snapshot.messages.map((m) => latestRecord(current, m.uid) ?? m);
  const hits = await searchMessages({ folder: view.folder, messages, recent: view.recent, saved: view.savedSearch, key: cmd.key });
  const nums = hits.map((i) => (cmd.uid ? messages[i]!.uid : i + 1));
  const highest = hits.reduce((max, i) => Math.max(max, messages[i]!.modseq), 0);

  if (opts === undefined) {
    // RFC 7162 §3.1.5: the highest mod-sequence of the returned messages, unless none.
    const modseq = withModseq && nums.length > 0 ? ` (MODSEQ ${highest})` : '';
    ctx.send(`* SEARCH${nums.map((n) => ` ${n}`).join('')}${modseq}`);
    return { status: 'OK', text: `${cmd.uid ? 'UID SEARCH' : 'SEARCH'} completed` };
  }

  const want = opts.length === 0 ? ['ALL'] : opts;
  if (want.includes('SAVE')) view.savedSearch = hits.map((i) => messages[i]!.uid);
  // RFC 5182 §2.1: SAVE alone returns no ESEARCH response.
  if (want.length === 1 && want[0] === 'SAVE') return { status: 'OK', text: 'Search completed, result saved' };
  let line = `* ESEARCH (TAG "${cmd.tag.replace(/[\\"]/g, '\\$&')}")${cmd.uid ? ' UID' : ''}`;
  if (want.includes('MIN') && nums.length > 0) line += ` MIN ${nums[0]}`;
  if (want.includes('MAX') && nums.length > 0) line += ` MAX ${nums[nums.length - 1]}`;
  if (want.includes('COUNT')) line += ` COUNT ${nums.length}`;
  if (want.includes('ALL') && nums.length > 0) line += ` ALL ${compactSet(nums)}`;
  if (withModseq && nums.length > 0) line += ` MODSEQ ${highest}`;
  ctx.send(line);
  return { status: 'OK', text: `${cmd.uid ? 'UID SEARCH' : 'SEARCH'} completed` };
};
