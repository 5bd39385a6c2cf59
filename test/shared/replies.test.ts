// Outcomes as data: our replies carry status, code and enhanced status and
// render to the line kept in lastError and the log; a server's reply keeps its
// own words, with code and status read from it as it arrives. The error
// catalogue: every code has a kind, and each kind one exit status, SMTP reply
// and POP3 response code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, KIND_EDGES, MailroomError, spoolError } from '../../src/shared/errors.js';
import { exitCodeFor } from '../../src/shared/exit-codes.js';
import { dsnStatus, fromServer, pop3ReplyFor, replies, replyFor, replyLine } from '../../src/shared/replies.js';

describe('delivery replies', () => {
  it('are status, code, enhanced status and text, rendered as one line', () => {
    const full = replies.mailboxFull('10 of 5 bytes used');
    assert.deepEqual(full, { status: 'deferred', code: 452, enhanced: '4.2.2', text: 'mailbox full (10 of 5 bytes used)' });
    assert.equal(replyLine(full), '452 4.2.2 mailbox full (10 of 5 bytes used)');
    assert.equal(replyLine(replies.userUnknown('x@h.example', 'no such user')), '550 5.1.1 <x@h.example>: no such user');
    assert.equal(replies.delivered('delivered to maildir').status, 'delivered');
    assert.equal(replies.overQuota(9, 5).status, 'failed');
    assert.equal(replies.nullMx('d.example').enhanced, '5.1.10');
  });

  it('a server reply renders exactly as it came, with code and status read from it', () => {
    for (const line of ['550 5.1.1 <a@b.example>: User unknown', '250 OK', '550 User unknown', '451 4.7.1 ', 'authentication failed: 535 5.7.8 no', '550-5.1.1 first 550 5.1.1 second', '250 2.0.0  two spaces']) {
      assert.equal(replyLine(fromServer(line)), line, line);
    }
    assert.deepEqual(fromServer('550 5.1.1 <a@b.example>: User unknown'), { code: 550, enhanced: '5.1.1', text: '<a@b.example>: User unknown' });
    assert.deepEqual(fromServer('550 User unknown'), { code: 550, enhanced: undefined, text: 'User unknown' });
    const multi = fromServer('550-5.1.1 first 550 5.1.1 second');
    assert.equal(multi.code, 550);
    assert.equal(multi.enhanced, '5.1.1');
    assert.equal(fromServer('connection refused').code, undefined);
  });

  it('the DSN status is the reply’s own, else the default of the action', () => {
    assert.equal(dsnStatus('5.1.1', true), '5.1.1');
    assert.equal(dsnStatus(undefined, true), '5.0.0');
    assert.equal(dsnStatus(undefined, false), '4.0.0');
  });
});

describe('error catalogue', () => {
  it('every code has a kind with a row of edges', () => {
    for (const [code, kind] of Object.entries(ERROR_CODES)) assert.ok(KIND_EDGES[kind], code);
    assert.equal(new MailroomError('USER_UNKNOWN', 'x').kind, 'nouser');
    assert.equal(new MailroomError('X_ELSEWHERE', 'temporary', 'x').kind, 'temporary', 'the explicit-kind form still works');
  });

  it('exit statuses as the commands have them; a refused flush is unavailable (69), not a usage error', () => {
    assert.equal(exitCodeFor(new MailroomError('USAGE', 'x')), 64);
    assert.equal(exitCodeFor(new MailroomError('BAD_MESSAGE', 'x')), 65);
    assert.equal(exitCodeFor(new MailroomError('USER_UNKNOWN', 'x')), 67);
    assert.equal(exitCodeFor(new MailroomError('FLUSH_REFUSED', 'x')), 69);
    assert.equal(exitCodeFor(spoolError('write', Object.assign(new Error('full'), { code: 'ENOSPC' }))), 75);
    assert.equal(exitCodeFor(spoolError('write', Object.assign(new Error('no'), { code: 'EACCES' }))), 73);
    assert.equal(exitCodeFor(new MailroomError('CONFIG_INVALID', 'x')), 78);
    assert.equal(exitCodeFor(new Error('a bug')), 70);
  });

  it('SMTP replies by kind, with the codes that say more', () => {
    assert.deepEqual(replyFor(new MailroomError('BAD_ADDRESS', 'bad <x>')), { code: 554, enhanced: '5.6.0', text: 'bad <x>' });
    assert.deepEqual(replyFor(new MailroomError('USER_UNKNOWN', '<x>: unknown')), { code: 550, enhanced: '5.1.1', text: '<x>: unknown' });
    assert.deepEqual(replyFor(new MailroomError('SPOOL_FULL', 'no space')), { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage' });
    assert.deepEqual(replyFor(new MailroomError('MESSAGE_TOO_BIG', 'big')), { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' });
    assert.deepEqual(replyFor(new MailroomError('SPOOL_NOT_WRITABLE', '/var/spool: EACCES')), { code: 451, enhanced: '4.3.0', text: 'Local error in processing' }, 'no detail to the client');
    assert.deepEqual(replyFor(new Error('a bug')), { code: 451, enhanced: '4.3.0', text: 'Local error in processing' });
  });

  it('POP3 response codes', () => {
    assert.equal(pop3ReplyFor(new Error('EIO')), '-ERR [SYS/TEMP] Internal error, try again later.');
    assert.equal(pop3ReplyFor(new MailroomError('USAGE', 'x')), '-ERR [SYS/PERM] The command failed.');
  });
});
