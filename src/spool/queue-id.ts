// Queue ids: 18 characters of Crockford base32, the first 10 the arrival time in
// milliseconds (so ids sort by time), then 8 random ones. Safe as file names.
// Kept free of node:crypto so the sendmail fast path does not load it.
export type QueueId = string & { readonly __brand: 'QueueId' };

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_RE = /^[0-9A-HJKMNP-TV-Z]{18}$/;

function encode(n: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    s = B32[n % 32] + s;
    n = Math.floor(n / 32);
  }
  return s;
}

export function newQueueId(now: number = Date.now()): QueueId {
  const rnd = Math.floor(Math.random() * 2 ** 40);
  return (encode(now, 10) + encode(rnd, 8)) as QueueId;
}

export function isQueueId(s: string): s is QueueId {
  return ID_RE.test(s);
}

/** The arrival time encoded in an id (ms since the epoch). */
export function queueIdTime(id: QueueId): number {
  let n = 0;
  for (const ch of id.slice(0, 10)) n = n * 32 + B32.indexOf(ch);
  return n;
}
