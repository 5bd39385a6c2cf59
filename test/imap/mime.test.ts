// src/imap/mime on its own (no Dovecot needed): the structure facts the
// fixtures are there for, SEARCH's decoded header values and body text, the
// sent date, and hostile input (truncations, flipped octets, garbage) that
// must never throw and must always give output the RFC 3501 grammar accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyStructureOf, envelopeOf, headerValues, searchTextOf, sectionOf, sentDateOf } from '../../src/imap/mime/index.js';
import { checkBody, checkEnvelope } from '../helpers/imap-grammar.js';
import { fixture, loadFixtures } from './mime-fixtures.js';

const header = (m: Buffer) => m.subarray(0, m.indexOf('\r\n\r\n') + 4);

test('multipart/alternative inside multipart/mixed with multipart/related: nesting, sizes, lines, extension data', () => {
  const bs = bodyStructureOf(fixture('02-mixed-alt-related.eml'), true);
  assert.match(bs, /^\(\(\("text" "plain" \("charset" "utf-8"\) NIL NIL "quoted-printable" 55 1 NIL NIL NIL NIL\)\(\("text" "html"/);
  assert.match(bs, /\("image" "png" \("name" "logo.png"\) "<logo@example.de>" "The logo" "base64" 98 NIL \("inline" \("filename" "logo.png"\)\) NIL NIL\) "related" \("boundary" "rel-2" "type" "text\/html"\) NIL NIL NIL\)/);
  assert.match(bs, /"Q2hlY2sgSW50ZWdyaXR5IQ==" \("attachment" \("filename" "report.pdf" "size" "48"\)\) NIL "http:\/\/example.de\/report.pdf"\) "mixed" \("boundary" "==outer=="\) NIL NIL NIL\)$/);
  assert.equal(bodyStructureOf(fixture('02-mixed-alt-related.eml'), false).includes('NIL NIL NIL'), false);
});

test('RFC 2231: continuations merged, extended values kept encoded under name*', () => {
  const bs = bodyStructureOf(fixture('04-rfc2231.eml'), true);
  assert.ok(bs.includes(`("title*" "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!")`), bs);
  assert.ok(bs.includes(`("filename*" "UTF-8''%E2%82%AC%20rates.txt")`), bs);
  assert.ok(bs.includes('("charset" "utf-8" "name" "long-file-name-part-one-part-two.txt")'), bs);
});

test('defaults, digest, groups and broken multiparts', () => {
  // No Content-Type: text/plain; charset=us-ascii. In a digest: message/rfc822.
  assert.equal(bodyStructureOf(fixture('12-no-content-type.eml'), false), '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 3)');
  const digest = bodyStructureOf(fixture('11-digest.eml'), false);
  assert.match(digest, /^\(\("message" "rfc822" NIL NIL NIL "7bit" 59 \(NIL "first"/);
  assert.match(digest, /\("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" 13 0\) "digest"\)$/);
  // Groups: a start marker (host NIL) and an end marker (all NIL).
  const env = envelopeOf(header(fixture('08-groups.eml')));
  assert.ok(env.includes('((NIL NIL "Team A" NIL)(NIL NIL "alice" "example.com")("Bob B" NIL "bob" "example.com")(NIL NIL NIL NIL)'), env);
  assert.ok(env.includes('((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))'), env);
  // No boundary parameter: one empty text/plain part so the result parses; no closing boundary: the last part runs to the end.
  assert.equal(bodyStructureOf(fixture('07-no-boundary-param.eml'), false), '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")');
  assert.equal(sectionOf(fixture('07-no-boundary-param.eml'), { part: [1] }).length, 0);
  const cut = fixture('06-no-closing-boundary.eml');
  assert.equal(sectionOf(cut, { part: [2] }).toString(), 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n'.repeat(2));
});

test('sections: folding kept, header order kept, the encapsulated message of message/rfc822', () => {
  const m = fixture('12-no-content-type.eml');
  assert.equal(
    sectionOf(m, { part: [], text: 'HEADER.FIELDS', fields: ['X-FOLDED', 'FROM'] }).toString(),
    'From: "Quoted \\"Name\\"" <q@example.com>\r\nX-Folded: this header\r\n\tis folded\r\n  twice\r\n\r\n',
  );
  const fwd = fixture('03-nested-rfc822.eml');
  assert.match(sectionOf(fwd, { part: [2], text: 'HEADER' }).toString(), /^From: Original Sender <orig@example.org>\r\n[^]*boundary="inner"\r\n\r\n$/);
  assert.equal(sectionOf(fwd, { part: [2], text: 'MIME' }).toString(), 'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="orig.eml"\r\n\r\n');
  assert.equal(sectionOf(fwd, { part: [2, 2] }).toString(), '<p>Caf&eacute; at noon?</p>');
  assert.equal(sectionOf(fwd, { part: [2, 1], text: 'MIME' }).toString(), 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n');
  assert.equal(sectionOf(fwd, { part: [3] }).length, 0);
  assert.equal(sectionOf(fwd, { part: [1], text: 'HEADER' }).length, 0);
  const simple = fixture('01-simple.eml');
  assert.equal(sectionOf(simple, { part: [1] }).toString(), 'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\nSecond line\r\n');
  assert.equal(sectionOf(simple, { part: [] }).equals(simple), true);
  const headerOnly = fixture('10-header-only.eml');
  assert.equal(sectionOf(headerOnly, { part: [], text: 'TEXT' }).length, 0);
  assert.equal(sectionOf(headerOnly, { part: [], text: 'HEADER' }).equals(headerOnly), true);
});

test('headerValues: unfolded, RFC 2047 decoded, every occurrence, case-insensitive names', () => {
  const h = header(fixture('02-mixed-alt-related.eml'));
  assert.deepEqual(headerValues(h, 'subject'), ['Quarterly report — draft']);
  assert.deepEqual(headerValues(h, 'REPLY-TO'), ['André Pirard <PIRARD@vm1.ulg.ac.be>, team@example.de']);
  assert.deepEqual(headerValues(h, 'cc'), ['élève <eleve@example.fr>']);
  assert.deepEqual(headerValues(h, 'x-none'), []);
  assert.deepEqual(headerValues(header(fixture('12-no-content-type.eml')), 'X-Folded'), ['this header\tis folded  twice']);
  assert.deepEqual(headerValues(Buffer.from('Received: a\r\nReceived: b\r\n\r\n'), 'received'), ['a', 'b']);
  assert.deepEqual(headerValues(header(fixture('05-8bit.eml')), 'subject'), ['Grüße aus Köln']);
});

test('searchTextOf: text parts decoded from quoted-printable and base64 and their charsets; attachments left out', () => {
  const body = searchTextOf(fixture('02-mixed-alt-related.eml'), 'body');
  assert.ok(body.includes('the report is attached. Grüße'), body);
  assert.ok(body.includes('<p>Hello team</p>'));
  assert.ok(!body.includes('JVBERi0'), 'a PDF attachment is not text');
  assert.ok(!body.includes('Quarterly'), "'body' has no header");
  assert.ok(searchTextOf(fixture('02-mixed-alt-related.eml'), 'text').includes('Quarterly report — draft'));
  const b64 = searchTextOf(fixture('14-base64-text.eml'), 'body');
  assert.ok(b64.includes('Hello World äöü searchable text'), b64);
  assert.ok(b64.includes('bold € euro'), b64);
  assert.ok(searchTextOf(fixture('03-nested-rfc822.eml'), 'body').includes('Café at noon?'));
  assert.ok(searchTextOf(fixture('05-8bit.eml'), 'body').includes('Schöne Grüße!'));
  assert.equal(searchTextOf(fixture('09-empty-body.eml'), 'body'), '');
});

test('sentDateOf: RFC 5322 dates, obsolete forms and zones; undefined when absent or unreadable', () => {
  assert.equal(sentDateOf(header(fixture('01-simple.eml'))), Date.UTC(1994, 1, 8, 5, 52, 25));
  assert.equal(sentDateOf(header(fixture('08-groups.eml'))), Date.UTC(2024, 4, 3, 8, 0, 0));
  assert.equal(sentDateOf(Buffer.from('Date: Sat, 1 Jan 99 10:00:00 EST\r\n\r\n')), Date.UTC(1999, 0, 1, 15, 0, 0));
  assert.equal(sentDateOf(Buffer.from('Date:\r\n Tue, 12 Mar 2024\r\n 09:15:00 +0100\r\n\r\n')), Date.UTC(2024, 2, 12, 8, 15, 0));
  assert.equal(sentDateOf(header(fixture('13-broken-headers.eml'))), undefined);
  assert.equal(sentDateOf(header(fixture('09-empty-body.eml'))), undefined);
});

test('broken input never throws and always gives grammatical ENVELOPE and BODYSTRUCTURE', () => {
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const inputs: Buffer[] = [];
  for (const f of loadFixtures()) {
    for (let cut = 0; cut < f.data.length; cut += Math.max(1, Math.floor(f.data.length / 40))) inputs.push(f.data.subarray(0, cut));
    for (let k = 0; k < 20; k++) {
      const b = Buffer.from(f.data);
      for (let j = 0; j < 5; j++) b[rand(b.length)] = [0, 10, 13, 34, 40, 41, 45, 59, 60, 92, 0xff][rand(11)]!;
      inputs.push(b);
    }
  }
  for (let k = 0; k < 200; k++) inputs.push(Buffer.from(Array.from({ length: rand(400) }, () => rand(256))));
  inputs.push(Buffer.from('Content-Type: multipart/mixed; boundary=x\r\n\r\n' + '--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n'.repeat(200)));
  inputs.push(Buffer.from('From: a@b\nSubject: LF only\n\nbody\n'));
  for (const b of inputs) {
    const ctx = JSON.stringify(b.toString('latin1').slice(0, 80));
    assert.doesNotThrow(() => checkEnvelope(envelopeOf(b)), ctx);
    assert.doesNotThrow(() => checkBody(bodyStructureOf(b, true), true), ctx);
    assert.doesNotThrow(() => checkBody(bodyStructureOf(b, false), false), ctx);
    assert.doesNotThrow(() => sectionOf(b, { part: [1, 2], text: 'MIME' }), ctx);
    assert.doesNotThrow(() => searchTextOf(b, 'text'), ctx);
    assert.doesNotThrow(() => sentDateOf(b), ctx);
  }
});
