"""A smart host for mailroom's relay tests, built on Debian's aiosmtpd.

Run with /usr/bin/python3 (Debian's interpreter). Prints "READY <port>" once
listening, appends one JSON line per accepted message to --out, and answers
4xx/5xx as told. Options:
  --cert/--key        offer STARTTLS and require it before MAIL/AUTH
  --auth user:pass    require AUTH (PLAIN, LOGIN, CRAM-MD5); repeatable
  --tokens FILE       accept XOAUTH2/OAUTHBEARER bearer tokens listed in FILE
  --reject ADDR=CODE  answer CODE at RCPT TO for ADDR; repeatable
  --fail-rcpt CODE    answer CODE at RCPT TO for every recipient
  --fail-first K      answer 451 at end of DATA for the first K messages
  --exclude MECH      do not offer this AUTH mechanism; repeatable
  --implicit          with --cert/--key: TLS from the first byte (port 465 style),
                      no STARTTLS
  --client-ca FILE    with --cert/--key: ask for a client certificate (optional)
                      and verify it against FILE; its subject CN is recorded
Each record has: mail_from, rcpt_tos, mail_options, rcpt_options, data_b64,
auth (the user), mechanism (the AUTH mechanism), tls, client_cert, time.
"""
import argparse, base64, hashlib, hmac, json, os, signal, socket, ssl, sys, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, auth_mechanism

p = argparse.ArgumentParser()
p.add_argument('--host', default='127.0.0.1')
p.add_argument('--port', type=int, default=0)
p.add_argument('--out', required=True)
p.add_argument('--cert')
p.add_argument('--key')
p.add_argument('--auth', action='append', default=[])
p.add_argument('--tokens')
p.add_argument('--reject', action='append', default=[])
p.add_argument('--fail-rcpt', type=int)
p.add_argument('--fail-first', type=int, default=0)
p.add_argument('--exclude', action='append', default=[])
p.add_argument('--implicit', action='store_true')
p.add_argument('--client-ca')
a = p.parse_args()

users = dict(x.split(':', 1) for x in a.auth)
rejects = {k.lower(): int(v) for k, v in (x.rsplit('=', 1) for x in a.reject)}
state = {'data': 0}
lock = threading.Lock()


def valid_token(tok):
    if not a.tokens or not os.path.exists(a.tokens):
        return False
    with open(a.tokens) as f:
        return tok in [l.strip() for l in f if l.strip()]


def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword):
        ok = users.get(auth_data.login.decode()) == auth_data.password.decode()
        session.mechanism = mechanism
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = rejects.get(address.lower()) or a.fail_rcpt
        if code:
            return f'{code} {code // 100}.1.1 <{address}> refused by test smart host'
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        with lock:
            state['data'] += 1
            n = state['data']
        if n <= a.fail_first:
            return '451 4.3.0 try again later (test smart host)'
        ssl_obj = server.transport.get_extra_info('ssl_object') if server.transport else None
        peer = ssl_obj.getpeercert() if ssl_obj is not None else None
        cn = next((v for rdn in (peer or {}).get('subject', ()) for k, v in rdn if k == 'commonName'), None)
        rec = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'mail_options': envelope.mail_options,
            'rcpt_options': envelope.rcpt_options,
            'data_b64': base64.b64encode(envelope.original_content or envelope.content).decode(),
            'auth': session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data,
            'mechanism': getattr(session, 'mechanism', None),
            'tls': session.ssl is not None or ssl_obj is not None,
            'client_cert': cn,
            'time': time.time(),
        }
        with lock, open(a.out, 'a') as f:
            f.write(json.dumps(rec) + '\n')
            f.flush()
        return '250 2.0.0 OK: stored'

    @auth_mechanism('CRAM-MD5')
    async def auth_CRAM_MD5(self, server, args):
        challenge = f'<{os.getpid()}.{time.time()}@smarthost>'.encode()
        resp = await server.challenge_auth(challenge)
        if not isinstance(resp, bytes):
            return AuthResult(success=False, handled=True)
        user, _, digest = resp.decode().partition(' ')
        pw = users.get(user)
        ok = pw is not None and hmac.compare_digest(hmac.new(pw.encode(), challenge, hashlib.md5).hexdigest(), digest)
        server.session.mechanism = 'CRAM-MD5'
        return AuthResult(success=ok, auth_data=LoginPassword(user.encode(), b''), handled=False)

    async def _bearer(self, server, args, oauthbearer):
        blob = args[1] if len(args) > 1 else None
        if blob is None:
            raw = await server.challenge_auth('')
        else:
            raw = base64.b64decode(blob)
        if not isinstance(raw, bytes):
            return AuthResult(success=False, handled=True)
        fields = raw.decode().split('\x01')
        user = None
        if oauthbearer:
            user = fields[0].split('a=', 1)[1].rstrip(',') if 'a=' in fields[0] else None
        else:
            user = next((f[5:] for f in fields if f.startswith('user=')), None)
        tok = next((f[len('auth=Bearer '):] for f in fields if f.startswith('auth=Bearer ')), '')
        if valid_token(tok):
            server.session.mechanism = 'OAUTHBEARER' if oauthbearer else 'XOAUTH2'
            return AuthResult(success=True, auth_data=LoginPassword((user or '').encode(), b''), handled=False)
        err = base64.b64encode(json.dumps({'status': '401', 'schemes': 'bearer'}).encode()).decode()
        await server.push(f'334 {err}')
        await server._reader.readline()
        return AuthResult(success=False, handled=False, message='535 5.7.8 token refused')

    @auth_mechanism('XOAUTH2')
    async def auth_XOAUTH2(self, server, args):
        return await self._bearer(server, args, False)

    @auth_mechanism('OAUTHBEARER')
    async def auth_OAUTHBEARER(self, server, args):
        return await self._bearer(server, args, True)


if a.port == 0:
    s = socket.socket()
    s.bind((a.host, 0))
    a.port = s.getsockname()[1]
    s.close()

kw = {}
if a.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(a.client_ca)
    if a.implicit:
        kw.update(ssl_context=ctx)
    else:
        kw.update(tls_context=ctx, require_starttls=True)
if users or a.tokens:
    kw.update(auth_required=True, authenticator=authenticator, auth_require_tls=bool(a.cert) and not a.implicit)
    kw.update(auth_exclude_mechanism=a.exclude + ([] if users else ['PLAIN', 'LOGIN', 'CRAM-MD5']))
else:
    kw.update(auth_exclude_mechanism=['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'])


ctl = Controller(Handler(), hostname=a.host, port=a.port, ready_timeout=15, **kw)
ctl.start()
print(f'READY {a.port}', flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
ctl.stop()
