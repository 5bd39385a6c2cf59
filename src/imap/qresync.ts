// QRESYNC on SELECT (RFC 7162 §3.2.5): which of the UIDs the client knows
// are gone (VANISHED (EARLIER), as ranges of the gaps between the UIDs that
// exist, so a client's "1:*" costs no more than the folder's size) and the
// FETCH (UID FLAGS MODSEQ) of every message changed since its modseq.
import type { Selected } from './selected.js';
import type { SequenceSet } from './types.js';

interface Qresync {
  readonly modseq: number;
  readonly knownUids?: SequenceSet | undefined;
}

/** Known UID ranges (sorted, merged), bounded above by `max`. */
function knownRanges(set: SequenceSet | undefined, max: number): Array<[number, number]> {
  if (!set || 'saved' in set) return max > 0 ? [[1, max]] : [];
  const r = set.ranges.map(([a, b]) => [Math.min(a, b), Math.min(Math.max(a, b), max)] as [number, number]).filter(([a, b]) => a <= b);
  r.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of r) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function qresyncReport(sel: Selected, q: Qresync, send: (line: string) => void): void {
  const msgs = sel.snapshot.messages;
  const known = knownRanges(q.knownUids, sel.snapshot.uidNext - 1);
  const gaps: string[] = [];
  let k = 0;
  for (const [a, b] of known) {
    let next = a;
    while (k < msgs.length && msgs[k]!.uid < a) k++;
    while (k < msgs.length && msgs[k]!.uid <= b) {
      const u = msgs[k]!.uid;
      if (u > next) gaps.push(u - 1 === next ? `${next}` : `${next}:${u - 1}`);
      next = u + 1;
      k++;
    }
    if (next <= b) gaps.push(next === b ? `${next}` : `${next}:${b}`);
  }
  if (gaps.length > 0) send(`* VANISHED (EARLIER) ${gaps.join(',')}`);
  msgs.forEach((m, i) => {
    if (m.modseq > q.modseq) send(`* ${i + 1} FETCH (UID ${m.uid} FLAGS (${sel.flagsOf(m).join(' ')}) MODSEQ (${m.modseq}))`);
  });
}
