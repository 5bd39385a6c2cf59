// OAuth2 toward a smart host: the access token comes from a token endpoint (a
// small HTTP server here), the smart host (aiosmtpd) accepts only the token
// the endpoint minted last; the token is refreshed after it expires, and a
// rotated refresh token is stored. XOAUTH2, and OAUTHBEARER when offered.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sendmail, startDaemon, waitFor } from '../helpers/env.js';
import { startSmartHost } from './peers.js';
import { queueSize, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface TokenServer {
  url: string;
  calls: URLSearchParams[];
}

async function tokenEndpoint(tokensFile: string, lifetime: number): Promise<TokenServer> {
  const calls: URLSearchParams[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      calls.push(form);
      const expectRefresh = n === 0 ? 'rt-0' : `rt-${n}`;
      if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== 'cid' || form.get('client_secret') !== 'csecret' || form.get('refresh_token') !== expectRefresh) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      n++;
      const token = `access-${n}`;
      writeFileSync(tokensFile, token + '\n'); // only the newest token is valid
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, expires_in: lifetime, token_type: 'Bearer', refresh_token: `rt-${n}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/token`, calls };
}

for (const mech of ['XOAUTH2', 'OAUTHBEARER'] as const) {
  test(`${mech}: token minted, used, refreshed after expiry, rotated refresh token stored`, async () => {
    const sb = relaySandbox(() => '');
    cleanups.push(() => sb.cleanup());
    const tokens = join(sb.dir, 'valid-tokens');
    writeFileSync(tokens, '');
    writeFileSync(join(sb.dir, 'client-secret'), 'csecret\n');
    writeFileSync(join(sb.dir, 'refresh-token'), 'rt-0\n', { mode: 0o600 });
    // expires_in 61 s: mailroom refreshes 60 s early, so the token is good for about 1 s.
    const ep = await tokenEndpoint(tokens, 61);
    const host = await startSmartHost(sb.dir, 'oauth', ['--tokens', tokens, ...(mech === 'XOAUTH2' ? ['--exclude', 'OAUTHBEARER'] : [])]);
    cleanups.push(() => host.stop());
    writeFileSync(
      sb.config,
      `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  retry: [1h]\n  smarthosts:\n    - host: 127.0.0.1\n      port: ${host.port}\n      tls: none\n      auth:\n        user: me@example.com\n        oauth2: { tokenUrl: "${ep.url}", clientId: cid, clientSecretFile: ${sb.dir}/client-secret, refreshTokenFile: ${sb.dir}/refresh-token }\n`,
    );
    const d = await startDaemon(sb);
    cleanups.push(() => d.stop());
    assert.equal((await sendmail(sb, ['-i', 'one@example.net'], 'Subject: one\n\nb\n')).code, 0);
    await waitFor(() => host.received().length === 1, 10_000, 'first delivery').catch((e) => {
      throw new Error(`${e.message}\n${d.log()}`);
    });
    assert.equal(host.received()[0]!.auth, 'me@example.com');
    assert.equal(host.received()[0]!.mechanism, mech, 'OAUTHBEARER when offered, else XOAUTH2');
    assert.equal(ep.calls.length, 1);
    assert.equal(readFileSync(join(sb.dir, 'refresh-token'), 'utf8').trim(), 'rt-1', 'rotated refresh token stored');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await sendmail(sb, ['-i', 'two@example.net'], 'Subject: two\n\nb\n')).code, 0);
    await waitFor(() => host.received().length === 2 && queueSize(sb) === 0, 10_000, 'second delivery');
    assert.equal(ep.calls.length, 2, 'the expired token was refreshed');
    assert.equal(ep.calls[1]!.get('refresh_token'), 'rt-1');
    assert.doesNotMatch(d.log(), /access-\d|csecret|rt-\d/, 'no secrets in the log');
  });
}
