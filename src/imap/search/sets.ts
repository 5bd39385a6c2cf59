// Sequence sets as the message commands need them (RFC 3501 §9 sequence-set):
// membership of one number, the compact "1:3,7" form of a list (COPYUID,
// MODIFIED, VANISHED, ESEARCH ALL), range checks, and UID lookups in a
// snapshot. '*' arrives as Infinity and means the highest number in use.
import type { MessageRecord, FolderSnapshot } from '../../mailbox/folders.js';
import type { SequenceSet } from '../types.js';

/** Ranges with '*' replaced by `max` and each range ordered low..high (RFC 3501: 4:2 is 2:4). */
export function normalizeRanges(set: { readonly ranges: readonly (readonly [number, number])[] }, max: number): Array<[number, number]> {
  return set.ranges.map(([a, b]) => {
    const x = a === Infinity ? max : a;
    const y = b === Infinity ? max : b;
    return x <= y ? [x, y] : [y, x];
  });
}

/** A membership test for a set of sequence numbers or UIDs; `saved` is the SEARCHRES result (UIDs). */
export function setMatcher(set: SequenceSet, max: number, saved: readonly number[]): (n: number) => boolean {
  if ('saved' in set) {
    const s = new Set(saved);
    return (n) => s.has(n);
  }
  const ranges = normalizeRanges(set, max);
  if (ranges.length === 1) {
    const [lo, hi] = ranges[0]!;
    return (n) => n >= lo && n <= hi;
  }
  return (n) => ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

/**
 * Whether a set of sequence numbers stays within 1..count: a number beyond the
 * mailbox (or '*' in an empty one) makes the command BAD (RFC 3501 §9, seq-number).
 */
export function seqSetInRange(set: SequenceSet, count: number): boolean {
  if ('saved' in set) return true;
  for (const [a, b] of set.ranges) {
    for (const n of [a, b]) {
      if (n === Infinity ? count === 0 : n < 1 || n > count) return false;
    }
  }
  return true;
}

/** The compact form of numbers in the order given: runs of consecutive ascending numbers become a:b. */
export function compactSet(nums: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < nums.length) {
    const start = nums[i]!;
    let end = start;
    while (i + 1 < nums.length && nums[i + 1] === end + 1) end = nums[++i]!;
    out.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return out.join(',');
}

/** The index of `uid` in a UID-sorted message list, or -1. */
export function indexOfUid(messages: readonly MessageRecord[], uid: number): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const u = messages[mid]!.uid;
    if (u === uid) return mid;
    if (u < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The folder's latest record of a message, or undefined when it is gone from the folder. */
export function latestRecord(current: FolderSnapshot, uid: number): MessageRecord | undefined {
  const i = indexOfUid(current.messages, uid);
  return i < 0 ? undefined : current.messages[i];
}

/**
 * UIDs of a UID set below uidNext that the snapshot does not hold, as compact
 * ranges (QRESYNC VANISHED (EARLIER)). The index remembers only present
 * messages, so every such gap counts as expunged, including UIDs that were
 * never used; RFC 7162 §3.2.6 allows reporting UIDs that do not exist.
 */
export function missingUids(set: SequenceSet, snapshot: FolderSnapshot, saved: readonly number[]): string {
  const msgs = snapshot.messages;
  const top = snapshot.uidNext - 1;
  const ranges = 'saved' in set ? saved.map((u): [number, number] => [u, u]) : normalizeRanges(set, top);
  const out: string[] = [];
  const emit = (a: number, b: number) => {
    if (a <= b) out.push(a === b ? String(a) : `${a}:${b}`);
  };
  const sorted = ranges.map(([a, b]): [number, number] => [Math.max(1, a), Math.min(b, top)]).filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  let prevEnd = 0;
  for (let [a, b] of sorted) {
    if (a <= prevEnd) a = prevEnd + 1;
    if (a > b) continue;
    prevEnd = b;
    // Walk the present UIDs inside [a, b]; the gaps between them are missing.
    let lo = 0;
    let hi = msgs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (msgs[mid]!.uid < a) lo = mid + 1;
      else hi = mid;
    }
    let next = a;
    for (let i = lo; i < msgs.length && msgs[i]!.uid <= b; i++) {
      emit(next, msgs[i]!.uid - 1);
      next = msgs[i]!.uid + 1;
    }
    emit(next, b);
  }
  return out.join(',');
}
