// SELECT and EXAMINE (RFC 3501 §6.3.1-6.3.2): opens the folder, claims its
// \Recent messages (SELECT only) and sends FLAGS, PERMANENTFLAGS, EXISTS,
// RECENT, UNSEEN, UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (RFC 7162). With
// (QRESYNC (...)) it also reports what vanished and what changed since the
// client's modseq (§3.2.5). A failed SELECT leaves no mailbox selected.
import type { Folder, FolderSnapshot } from '../../mailbox/folders.js';
import { refuseName, storeFailure } from '../mailbox-names.js';
import { Selected } from '../selected.js';
import { qresyncReport } from '../qresync.js';
import { AUTHED, type ImapHandler } from './handler.js';

const SYSTEM = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
/** Keywords named in FLAGS at most (a folder could hold thousands). */
const MAX_KEYWORDS = 200;

/** The FLAGS list per snapshot: snapshots never change and are shared by every session, so a re-SELECT computes nothing. */
const flagLists = new WeakMap<FolderSnapshot, string>();

function flagsOf(snap: FolderSnapshot): string {
  let flags = flagLists.get(snap);
  if (flags !== undefined) return flags;
  const keywords = new Set<string>(snap.keywords ?? []);
  if (!snap.keywords) for (const m of snap.messages) for (const f of m.flags) if (!f.startsWith('\\') && keywords.size < MAX_KEYWORDS) keywords.add(f);
  flags = [...SYSTEM, ...keywords].join(' ');
  flagLists.set(snap, flags);
  return flags;
}

export const select: ImapHandler<'SELECT' | 'EXAMINE'> = {
  states: AUTHED,
  announce: false,
  async run(s, cmd) {
    if (cmd.qresync && !s.enabled.has('QRESYNC')) return { status: 'BAD', text: 'QRESYNC is not enabled' };
    // INBOX selected again (clients refresh so): its folder reference is kept and synced, not given back and opened anew.
    const kept = s.selected?.folder.name === 'INBOX' && cmd.mailbox.toUpperCase() === 'INBOX' ? s.selected.folder : undefined;
    if (s.selected) {
      s.deselect(kept !== undefined);
      if (s.enabled.has('QRESYNC')) s.send('* OK [CLOSED] Previous mailbox closed');
    }
    const refused = cmd.mailbox === 'INBOX' ? undefined : refuseName(cmd.mailbox);
    if (refused) return refused;
    if (cmd.condstore) s.enabled.add('CONDSTORE');
    const readOnly = cmd.name === 'EXAMINE';
    let folder: Folder;
    try {
      if (kept) await kept.sync();
      folder = kept ?? (await s.store.open(cmd.mailbox));
    } catch (err) {
      kept?.release();
      return storeFailure(err, s.log, { sid: s.sid, user: s.user, command: cmd.name });
    }
    let sel: Selected;
    try {
      // No sync here: open() (or the sync of the kept reference) has just synced the folder: one sync per SELECT.
      const recent = readOnly ? [] : await folder.claimRecent();
      sel = new Selected(folder, readOnly, folder.current(), recent);
    } catch (err) {
      folder.release();
      throw err;
    }
    if (s.isClosed) return void folder.release();
    s.selected = sel;
    s.state = 'SELECTED';
    const snap = sel.snapshot;
    const flags = flagsOf(snap);
    // From the snapshot's counts: a folder taken up from its summary answers without reading its messages.
    const { firstUnseen } = snap.counts;
    // The untagged lines and the tagged one as one write, not ten.
    s.holdOutput();
    s.send(
      `* FLAGS (${flags})\r\n` +
        (readOnly ? '* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n' : `* OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted\r\n`) +
        `* ${snap.counts.messages} EXISTS\r\n` +
        `* ${sel.recentCount()} RECENT\r\n` +
        (firstUnseen ? `* OK [UNSEEN ${firstUnseen}] First unseen\r\n` : '') +
        `* OK [UIDVALIDITY ${snap.uidValidity}] UIDs valid\r\n` +
        `* OK [UIDNEXT ${snap.uidNext}] Predicted next UID\r\n` +
        `* OK [HIGHESTMODSEQ ${snap.highestModseq}] Highest`,
    );
    if (cmd.qresync && cmd.qresync.uidValidity === snap.uidValidity) qresyncReport(sel, cmd.qresync, (l) => s.send(l));
    const condstore = cmd.condstore ? ', CONDSTORE is now enabled' : '';
    return { status: 'OK', code: readOnly ? 'READ-ONLY' : 'READ-WRITE', text: `${cmd.name} completed${condstore}` };
  },
};
