// The configuration schema: every key of the file, its type, its default.
// Validation happens once, in load.ts; the result is one frozen, typed Config.
// Durations become milliseconds and sizes bytes here.
import { z } from 'zod';
import { parseDuration, parseSize } from '../shared/units.js';
import { CONFIG_DEFAULTS as D, defaultHostname } from './defaults.js';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(v)} (hint: write it like 30s, 5m, 4h or 5d)` });
    return z.NEVER;
  }
  return ms;
});

const size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseSize(v);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a size: ${JSON.stringify(v)} (hint: write it like 25MB, 512KB or a number of bytes)` });
    return z.NEVER;
  }
  return n;
});

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:]+):\d{1,5}$/, 'expected HOST:PORT, like 127.0.0.1:587 or [::1]:587');
const path = z.string().min(1);
const cidr = z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'expected an address or network like 10.0.0.0/8');

const secret = {
  password: z.string().optional(),
  passwordFile: path.optional(),
  passwordEnv: z.string().min(1).optional(),
};

const oauth2 = z
  .object({
    tokenUrl: z.string().url(),
    clientId: z.string().min(1),
    clientSecret: z.string().optional(),
    clientSecretFile: path.optional(),
    clientSecretEnv: z.string().optional(),
    refreshTokenFile: path,
    scope: z.string().optional(),
  })
  .strict()
  .refine((o) => [o.clientSecret, o.clientSecretFile, o.clientSecretEnv].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of clientSecretFile, clientSecretEnv or clientSecret',
  });

const auth = z
  .object({
    user: z.string().min(1),
    ...secret,
    oauth2: oauth2.optional(),
    mechanisms: z.array(z.enum(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'])).optional(),
  })
  .strict()
  .refine((a) => [a.password, a.passwordFile, a.passwordEnv, a.oauth2].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of passwordFile, passwordEnv, password or oauth2',
  });

const smarthost = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
    tlsVerify: z.boolean().default(true),
    ca: path.optional(),
    clientCert: z.object({ cert: path, key: path }).strict().optional(),
    auth: auth.optional(),
  })
  .strict()
  .transform((h) => ({ ...h, port: h.port ?? (h.tls === 'implicit' ? 465 : h.tls === 'none' ? 25 : 587) }));

const socket = z.union([
  path.transform((p) => ({ path: p, lmtp: false })),
  z.object({ path, lmtp: z.boolean().default(false) }).strict(),
]);

export const configSchema = z
  .object({
    hostname: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a host name has only letters, digits, dots and dashes').default(defaultHostname),
    spool: path.default(D.spool),
    socket: socket.prefault(D.socket),
    masquerade: z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected a domain like example.com').optional(),
    maxMessageSize: size.prefault(D.maxMessageSize),
    aliases: z.union([path, z.record(z.string(), z.union([z.string(), z.array(z.string())]))]).default(D.aliases),
    local: z
      .object({
        domains: z.array(z.string()).optional(),
        mailboxes: path.default(D.local.mailboxes),
        format: z.enum(['maildir', 'mbox']).default(D.local.format),
        systemUsers: z.boolean().default(D.local.systemUsers),
        lmtp: z.string().regex(/^lmtp:\/\/[^\s]+$|^unix:\/[^\s]*$/, 'expected lmtp://HOST:PORT or unix:/path').optional(),
        quota: size.optional(),
      })
      .strict()
      .prefault({}),
    relay: z
      .object({
        mode: z.enum(['smarthost', 'mx', 'hold', 'none']).default('mx'),
        smarthosts: z.array(smarthost).default([]),
        routes: z.array(z.object({ sender: z.string().min(1), smarthosts: z.array(smarthost).min(1) }).strict()).default([]),
        mx: z
          .object({
            port: z.number().int().min(1).max(65535).default(25),
            dns: z.array(z.string()).optional(),
            tls: z.enum(['opportunistic', 'required', 'none']).default('opportunistic'),
          })
          .strict()
          .prefault({}),
        retry: z.array(duration).min(1).prefault(['5m', '10m', '30m', '1h', '2h', '4h']),
        maxAge: duration.prefault('5d'),
        delayWarning: duration.optional(),
        concurrency: z.number().int().min(1).max(256).default(8),
        timeouts: z
          .object({
            connect: duration.prefault('30s'),
            greeting: duration.prefault('5m'),
            command: duration.prefault('5m'),
            data: duration.prefault('10m'),
          })
          .strict()
          .prefault({}),
        rateLimit: z.object({ messages: z.number().int().min(1), per: duration }).strict().optional(),
      })
      .strict()
      .prefault({}),
    dkim: z
      .array(
        z
          .object({
            domain: z.string().min(1),
            selector: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected a selector like s1 or mail2026'),
            privateKeyFile: path,
            // Header fields to sign; default: the usual set (relay/dkim-sign.ts).
            headers: z.array(z.string().regex(/^[\x21-\x39\x3b-\x7e]+$/, 'expected a header field name')).min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    listen: z
      .array(
        z
          .object({
            address: hostPort,
            tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
            // 'none' is the older spelling of 'off'.
            auth: z
              .enum(['required', 'optional', 'off', 'none'])
              .default('required')
              .transform((a) => (a === 'none' ? 'off' : a)),
            relayFrom: z.array(cidr).default([]),
            // Per-listener limits (submit/listener/); Postfix's defaults where it has one.
            maxRecipients: z.number().int().min(1).default(1000),
            maxMessageSize: size.optional(),
            maxConnectionsPerClient: z.number().int().min(1).default(50),
            maxErrors: z.number().int().min(1).default(20),
            rateLimit: z
              .object({
                perUser: z.object({ messages: z.number().int().min(1), per: duration }).strict().optional(),
                perClient: z.object({ messages: z.number().int().min(1), per: duration }).strict().optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .default([]),
    pop3: z.object({ listen: hostPort, tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'), tlsListen: hostPort.optional() }).strict().optional(),
    imap: z.object({ listen: hostPort, tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'), tlsListen: hostPort.optional() }).strict().optional(),
    metrics: z.object({ listen: hostPort.default('127.0.0.1:9325') }).strict().optional(),
    tls: z.object({ cert: path, key: path }).strict().optional(),
    users: path.default(D.users),
    // The account the daemon runs as once its ports are bound (set by mailroom install).
    user: z.string().regex(/^[a-z_][a-z0-9_-]*$/i, 'expected an account name like mailroom').optional(),
    log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).strict().prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** The configuration as the program uses it: validated, with the local domains worked out, frozen (load.ts). */
export type Config = Readonly<
  ParsedConfig & {
    file: string | undefined;
    local: ParsedConfig['local'] & { domains: string[] };
    /** Keys the file sets itself (not from defaults) where that changes behaviour: relay.mx lets `queue release` go by MX under relay.mode hold. */
    given: { relayMx: boolean };
  }
>;
