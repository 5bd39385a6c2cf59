// The metrics endpoint (metrics.listen) of a real daemon relaying to Debian's
// aiosmtpd: scraped with a plain HTTP GET and with curl, its figures follow a
// delivery and a refused recipient and agree with `mailroom status --json`;
// only GET /metrics is served and an over-long request head is refused.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { mailroom, run, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { startSmartHost, type SmartHost } from '../relay/peers.js';
import { queueSize, relaySandbox } from '../relay/sandbox.js';

let sb: Sandbox;
let daemon: DaemonProc;
let host: SmartHost;
let port: number;
const cleanups: (() => Promise<unknown> | void)[] = [];

before(async () => {
  sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  host = await startSmartHost(sb.dir, 'sink', ['--reject', 'nobody@example.net=550']);
  cleanups.push(() => host.stop());
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${host.port}, tls: none }\nmetrics:\n  listen: 127.0.0.1:0\n`);
  daemon = await startDaemon(sb);
  cleanups.push(() => daemon.stop());
  port = Number(/metrics listening listen=127\.0\.0\.1:(\d+)/.exec(daemon.log())?.[1]);
  assert.ok(port > 0, daemon.log());
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A plain HTTP GET with node's client: status, content type and body. */
function scrape(path = '/metrics'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

/** The samples of an exposition text: "name{labels}" -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

test('metrics.listen given as an empty object listens on the loopback port 9325', () => {
  assert.equal(validateConfig({ metrics: {} }).metrics?.listen, '127.0.0.1:9325');
  assert.equal(validateConfig({}).metrics, undefined, 'no endpoint unless asked for');
});

test('GET /metrics: text format 0.0.4 with HELP and TYPE for every metric; up, start time, empty queue', async () => {
  const r = await scrape();
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
  const names = [...new Set([...samples(r.body).keys()].map((k) => k.replace(/\{.*$/, '')))];
  for (const n of names) {
    assert.match(r.body, new RegExp(`^# HELP ${n} \\S.*$`, 'm'), n);
    assert.match(r.body, new RegExp(`^# TYPE ${n} (gauge|counter)$`, 'm'), n);
  }
  const s = samples(r.body);
  assert.equal(s.get('mailroom_up'), 1);
  assert.equal(s.get('mailroom_info{version="0.1.0"}'), 1);
  const status = JSON.parse((await mailroom(sb, ['status', '--json'])).stdout);
  assert.equal(s.get('process_start_time_seconds'), Date.parse(status.daemon.startedAt) / 1000);
  for (const st of ['incoming', 'deferred', 'hold', 'corrupt', 'maildrop']) assert.equal(s.get(`mailroom_queue_messages{state="${st}"}`), 0, st);
  assert.equal(s.get('mailroom_queue_oldest_seconds'), 0);
  assert.equal(s.get('mailroom_deliveries_total{result="delivered"}'), 0);
  assert.match(r.body, /^# TYPE mailroom_deliveries_total counter$/m);
});

test('after a delivery and a refused recipient the figures match what aiosmtpd got and what status says', async () => {
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', '--', 'bob@example.net', 'nobody@example.net'], 'Subject: counted\n\nhello\n');
  assert.equal(r.code, 0, r.stderr);
  await daemon.waitLog(/failed to=<nobody@example\.net>/, 15_000);
  // The refusal bounces to alice@example.org through the same smart host.
  await waitFor(() => host.received().length === 2 && queueSize(sb) === 0, 15_000, 'delivery and bounce');
  assert.deepEqual(host.received().map((m) => m.rcpt_tos), [['bob@example.net'], ['alice@example.org']]);
  const status = JSON.parse((await mailroom(sb, ['status', '--json'])).stdout);
  const s = samples((await scrape()).body);
  for (const result of ['delivered', 'deferred', 'failed'] as const) {
    assert.equal(s.get(`mailroom_deliveries_total{result="${result}"}`), status.deliveries.sinceStart[result], result);
    assert.equal(s.get(`mailroom_deliveries_last_hour{result="${result}"}`), status.deliveries.lastHour[result], result);
  }
  assert.equal(s.get('mailroom_deliveries_total{result="delivered"}'), 2, 'bob and the bounce: what aiosmtpd took');
  assert.equal(s.get('mailroom_deliveries_total{result="failed"}'), 1, 'nobody, refused with 550');
  assert.equal(s.get('mailroom_deliveries_total{result="deferred"}'), 0);
  assert.equal(s.get('mailroom_deliveries_last_hour{result="delivered"}'), 2);
  assert.equal(s.get('mailroom_deliveries_last_hour{result="failed"}'), 1);
  assert.equal(status.lastError.code, '550 5.1.1');
  assert.equal(s.get('mailroom_last_error_timestamp_seconds'), Date.parse(status.lastError.at) / 1000);
  assert.doesNotMatch(JSON.stringify(status.lastError), /nobody@/, 'no address through the control socket');

  // curl, as a scraper would run it
  const c = await run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${port}/metrics`]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(samples(c.stdout).get('mailroom_deliveries_total{result="delivered"}'), 2);
  assert.equal(samples(c.stdout).get('mailroom_queue_messages{state="deferred"}'), 0);
});

test('only GET /metrics: another path is 404, another method 405', async () => {
  assert.equal((await scrape('/')).status, 404);
  assert.equal((await scrape('/metrics/../etc')).status, 404);
  const post = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '--data', 'x', `http://127.0.0.1:${port}/metrics`]);
  assert.equal(post.stdout, '405');
});

test('a request head over 8 KiB is refused with 431 and the connection closed; the endpoint still answers', async () => {
  const sock = connect(port, '127.0.0.1');
  let answer = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => (answer += d));
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  sock.on('error', () => undefined);
  await new Promise<void>((r) => sock.on('connect', () => r()));
  sock.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(9000)}\r\n\r\n`);
  await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error(`not closed; got ${answer}`)), 5000))]);
  assert.match(answer, /^HTTP\/1\.1 431 /);
  assert.doesNotMatch(answer, /mailroom_up/);
  assert.equal((await scrape()).status, 200);
});
