// A diagnostic, not a gate: how many messages per second envelopeOf and
// bodyStructureOf handle on generated 5-60 KB multipart messages (the IMAP
// benchmark wants about 15,000/s for ENVELOPE and 10,000/s for BODYSTRUCTURE
// on the test machine). Prints the rates; asserts only that the outputs parse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyStructureOf, envelopeOf, sectionOf } from '../../src/imap/mime/index.js';
import { checkBody, checkEnvelope } from '../helpers/imap-grammar.js';
import { generateMailbox } from './mime-generate.js';

const COUNT = 3000;
const BUDGET_MS = 20_000;

function rate(name: string, msgs: readonly Buffer[], fn: (m: Buffer) => unknown): void {
  for (const m of msgs.slice(0, 500)) fn(m); // warm up (the JIT)
  const rates: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const until = performance.now() + BUDGET_MS / 2;
    const t0 = performance.now();
    let n = 0;
    for (; n < msgs.length && performance.now() < until; n++) fn(msgs[n]!);
    rates.push(Math.round(n / ((performance.now() - t0) / 1000)));
  }
  console.log(`# mime speed: ${name}: ${rates.join(', ')} msgs/s (two passes over ${msgs.length})`);
}

test('speed of envelopeOf and bodyStructureOf on generated 5-60 KB messages (diagnostic)', () => {
  const msgs = generateMailbox(COUNT);
  const mb = msgs.reduce((a, m) => a + m.length, 0) / 1e6;
  console.log(`# mime speed: ${COUNT} messages, ${mb.toFixed(1)} MB`);
  for (const m of msgs.slice(0, 20)) {
    checkEnvelope(envelopeOf(m));
    checkBody(bodyStructureOf(m, true), true);
  }
  const headers = msgs.map((m) => m.subarray(0, m.indexOf('\r\n\r\n') + 4));
  rate('ENVELOPE (header block)', headers, envelopeOf);
  rate('ENVELOPE (whole message)', msgs, envelopeOf);
  rate('BODYSTRUCTURE', msgs, (m) => bodyStructureOf(m, true));
  rate('BODY', msgs, (m) => bodyStructureOf(m, false));
  rate('BODY[1.1]', msgs, (m) => sectionOf(m, { part: [1, 1] }));
  assert.match(bodyStructureOf(msgs[0]!, true), /"mixed" \("boundary" /);
});
