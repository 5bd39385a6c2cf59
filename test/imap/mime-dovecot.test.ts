// The independent check of src/imap/mime: Dovecot serves the same fixtures
// from a Maildir and mailroom's ENVELOPE, BODYSTRUCTURE, BODY and
// BODY[section] must equal Dovecot's answers octet for octet (the known,
// deliberate differences are listed in KNOWN_DIFFERENCES), and every
// structure must parse with the RFC 3501 grammar.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bodyStructureOf, envelopeOf, sectionOf } from '../../src/imap/mime/index.js';
import type { Section } from '../../src/imap/types.js';
import { checkBody, checkEnvelope } from '../helpers/imap-grammar.js';
import { type DovecotImap, haveDovecot, startDovecot } from './mime-dovecot.js';
import { loadFixtures } from './mime-fixtures.js';

const fixtures = loadFixtures();
let dovecot: DovecotImap | undefined;

/**
 * Where mailroom deliberately differs: a header with 8-bit octets that are
 * not UTF-8 (Latin-1 here) is read as Latin-1 and sent as UTF-8, because a
 * response line is a JavaScript string; Dovecot copies the raw octets.
 */
const KNOWN_DIFFERENCES = new Set(['17-latin1-headers.eml ENVELOPE', '17-latin1-headers.eml BODYSTRUCTURE']);

before(async () => {
  if (haveDovecot) dovecot = await startDovecot(fixtures.map((f) => f.data));
});
after(async () => {
  await dovecot?.stop();
});

const skip = !haveDovecot && 'dovecot not installed';

test('ENVELOPE, BODYSTRUCTURE and BODY equal Dovecot for every fixture and parse as RFC 3501', { skip }, async () => {
  let compared = 0;
  for (const [i, f] of fixtures.entries()) {
    const ours: Record<string, string> = { ENVELOPE: envelopeOf(f.data), BODYSTRUCTURE: bodyStructureOf(f.data, true), BODY: bodyStructureOf(f.data, false) };
    checkEnvelope(ours.ENVELOPE!);
    checkBody(ours.BODYSTRUCTURE!, true);
    checkBody(ours.BODY!, false);
    for (const [item, value] of Object.entries(ours)) {
      const theirs = await dovecot!.fetch(i + 1, item);
      if (item === 'ENVELOPE') checkEnvelope(theirs);
      else checkBody(theirs, item === 'BODYSTRUCTURE');
      if (KNOWN_DIFFERENCES.has(`${f.name} ${item}`)) continue;
      assert.equal(value, theirs.toString('utf8'), `${f.name} ${item}`);
      compared++;
    }
  }
  assert.ok(compared >= fixtures.length * 3 - KNOWN_DIFFERENCES.size);
});

/** Sections asked of every fixture; those that do not exist must be empty in both. */
const SECTIONS: Section[] = [
  { part: [] },
  { part: [], text: 'HEADER' },
  { part: [], text: 'TEXT' },
  { part: [], text: 'HEADER.FIELDS', fields: ['FROM', 'TO', 'SUBJECT', 'X-FOLDED', 'CONTENT-TYPE'] },
  { part: [], text: 'HEADER.FIELDS', fields: ['X-NOT-THERE'] },
  { part: [], text: 'HEADER.FIELDS.NOT', fields: ['RETURN-PATH', 'to', 'Date', 'X-GARBAGE'] },
  { part: [1] },
  { part: [1], text: 'MIME' },
  { part: [1], text: 'HEADER' },
  { part: [1], text: 'TEXT' },
  { part: [2] },
  { part: [2], text: 'MIME' },
  { part: [2], text: 'HEADER' },
  { part: [2], text: 'TEXT' },
  { part: [2], text: 'HEADER.FIELDS', fields: ['SUBJECT', 'FROM'] },
  { part: [2], text: 'HEADER.FIELDS.NOT', fields: ['SUBJECT'] },
  { part: [3] },
  { part: [3], text: 'MIME' },
  { part: [1, 1] },
  { part: [1, 1], text: 'MIME' },
  { part: [1, 2] },
  { part: [1, 2, 1] },
  { part: [1, 2, 2], text: 'MIME' },
  { part: [1, 2, 2] },
  { part: [2, 1] },
  { part: [2, 1], text: 'MIME' },
  { part: [2, 2] },
  { part: [1, 1, 1] },
  { part: [1, 2, 1, 1] },
  { part: [2, 1, 1] },
  { part: [2, 1, 1, 1] },
  { part: [2, 1, 1], text: 'MIME' },
  { part: [2, 2, 1] },
  { part: [1, 2, 1], text: 'HEADER.FIELDS', fields: ['CONTENT-TYPE'] },
  { part: [9] },
];

function sectionSpec(s: Section): string {
  const text = s.text ? `${s.part.length > 0 ? '.' : ''}${s.text}` : '';
  const fields = s.fields ? ` (${s.fields.join(' ')})` : '';
  return `${s.part.join('.')}${text}${fields}`;
}

/** The octets of a FETCH BODY[...] value: a literal, a quoted string or NIL. */
function decodeValue(v: Buffer): Buffer {
  const m = /^\{(\d+)\}\r\n/.exec(v.subarray(0, 24).toString('latin1'));
  if (m) return v.subarray(m[0].length);
  const s = v.toString('latin1');
  if (s === 'NIL') return Buffer.alloc(0);
  if (s.startsWith('"')) return Buffer.from(s.slice(1, -1).replace(/\\(.)/g, '$1'), 'latin1');
  throw new Error(`unexpected section value ${s.slice(0, 40)}`);
}

test('BODY[section] equals Dovecot for every fixture: parts, MIME, HEADER, HEADER.FIELDS(.NOT), TEXT, nested messages', { skip }, async () => {
  let nonEmpty = 0;
  for (const [i, f] of fixtures.entries()) {
    for (const s of SECTIONS) {
      const spec = sectionSpec(s);
      const theirs = decodeValue(await dovecot!.fetch(i + 1, `BODY.PEEK[${spec}]`));
      const ours = sectionOf(f.data, s);
      assert.equal(ours.toString('latin1'), theirs.toString('latin1'), `${f.name} BODY[${spec}]`);
      if (ours.length > 0) nonEmpty++;
    }
  }
  // The comparison is only worth something if most sections exist somewhere.
  assert.ok(nonEmpty > fixtures.length * 8, `only ${nonEmpty} non-empty sections`);
});
