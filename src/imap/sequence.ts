// Writing UID sets compactly (RFC 3501 §9 sequence-set) for VANISHED,
// COPYUID/APPENDUID and ESEARCH: ascending numbers become "1:3,7,9:12".

/** "1:3,7" for [1, 2, 3, 7] (input in any order, duplicates allowed). */
export function uidSetString(uids: readonly number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1]! <= end + 1) end = sorted[++i]!;
    parts.push(start === end ? `${start}` : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}
