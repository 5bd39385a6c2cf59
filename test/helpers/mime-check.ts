// What a reader makes of the header fields mailroom writes: line lengths and
// encoded-word sizes (RFC 5322 §2.1.1, RFC 2047 §2), and Python's own decoders
// (Debian's /usr/bin/python3, as the legacy email.header API and the modern
// header registry see them).
import assert from 'node:assert/strict';
import { run } from './env.js';

/**
 * Every line of a header section (CRLF-separated) is at most 998 octets, at
 * most 78 characters unless it holds one unbreakable token (an address, a
 * message id, a host name), and every encoded word is at most 75 characters.
 */
export function assertFoldedHeader(head: string): void {
  for (const line of head.split('\r\n')) {
    assert.ok(Buffer.byteLength(line) <= 998, `line over 998 octets: ${line.slice(0, 60)}...`);
    if (line.length > 78) {
      const rest = line.replace(/^[\x21-\x39\x3b-\x7e]+:/, '').trim();
      assert.doesNotMatch(rest, /\s/, `line of ${line.length} characters could have been folded: ${JSON.stringify(line)}`);
    }
    for (const word of line.match(/=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=/g) ?? []) {
      assert.ok(word.length <= 75, `encoded word of ${word.length} characters: ${word}`);
    }
  }
}

const PY_HEADERS = String.raw`
import email, json, sys
from email import policy
from email.header import decode_header, make_header
raw = sys.stdin.buffer.read()
legacy = email.message_from_bytes(raw, policy=policy.compat32)
modern = email.message_from_bytes(raw, policy=policy.default)
print(json.dumps({
    'decoded': {k: str(make_header(decode_header(v))) for k, v in legacy.items()},
    'names': {k: [a.display_name for a in modern[k].addresses] for k in ('From', 'To') if modern[k] is not None},
}))
`;

export interface PythonView {
  /** Each field (the last of a name) unfolded and decoded as str(make_header(decode_header(value))). */
  decoded: Record<string, string>;
  /** Display names of From and To from the modern header registry (policy.default). */
  names: Record<string, string[]>;
}

export async function pythonHeaders(message: Buffer): Promise<PythonView> {
  const r = await run('/usr/bin/python3', ['-c', PY_HEADERS], message);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PythonView;
}
