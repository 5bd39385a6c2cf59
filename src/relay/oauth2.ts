// OAuth2 for smart hosts (Gmail, Microsoft 365): an access token obtained from
// the token endpoint with the refresh token, cached until shortly before it
// expires, refreshed on expiry or when the server refuses it; a rotated
// refresh token is stored atomically (tmp + fsync + rename). Tokens and
// secrets are never logged. SASL: XOAUTH2, and OAUTHBEARER (RFC 7628) when offered.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { replaceFileAtomic } from '../shared/fsio.js';
import { readSecret } from './secrets.js';

export interface OAuth2Config {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string | undefined;
  clientSecretFile?: string | undefined;
  clientSecretEnv?: string | undefined;
  refreshTokenFile: string;
  scope?: string | undefined;
}

/** Refresh this long before the token's stated expiry. */
const EARLY_MS = 60_000;

export class OAuth2Tokens {
  private token: string | undefined;
  private expiresAt = 0;
  private inflight: Promise<string> | undefined;
  /** A rotated refresh token that could not be written to its file yet. */
  private rotated: string | undefined;

  constructor(
    private cfg: OAuth2Config,
    private log: Logger,
    private now: () => number = Date.now,
  ) {}

  /** When the cached access token stops being used (ms since the epoch). */
  get validUntil(): number {
    return this.expiresAt;
  }

  /** A valid access token; `force` discards the cached one (after the server refused it). */
  async get(force = false): Promise<string> {
    if (!force && this.token && this.now() < this.expiresAt) return this.token;
    this.inflight ??= this.refresh().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async refresh(): Promise<string> {
    const refreshToken = this.rotated ?? readFileSync(this.cfg.refreshTokenFile, 'utf8').trim();
    const secret = readSecret({ password: this.cfg.clientSecret, passwordFile: this.cfg.clientSecretFile, passwordEnv: this.cfg.clientSecretEnv }, 'oauth2 client secret');
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: this.cfg.clientId, client_secret: secret });
    if (this.cfg.scope) body.set('scope', this.cfg.scope);
    let res: Response;
    try {
      res = await fetch(this.cfg.tokenUrl, { method: 'POST', body, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new MailroomError('OAUTH2_UNREACHABLE', `oauth2 token endpoint ${new URL(this.cfg.tokenUrl).host} unreachable: ${(err as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; refresh_token?: string; error?: string };
    if (!res.ok || !json.access_token) {
      throw new MailroomError('OAUTH2_REFUSED', `oauth2 token endpoint refused the refresh token: HTTP ${res.status}${json.error ? ` ${json.error}` : ''}`);
    }
    this.token = json.access_token;
    this.expiresAt = this.now() + Math.max(0, (json.expires_in ?? 3600) * 1000 - EARLY_MS);
    if (json.refresh_token && json.refresh_token !== refreshToken) {
      this.rotated = json.refresh_token;
      try {
        await replaceFileAtomic(this.cfg.refreshTokenFile, json.refresh_token + '\n', dirname(this.cfg.refreshTokenFile), 0o600);
        this.rotated = undefined;
        this.log.info('oauth2 refresh token rotated and stored', { file: this.cfg.refreshTokenFile });
      } catch (err) {
        // The old refresh token may already be revoked: keep the new one in memory
        // (used for the next refresh) and say loudly that the file is stale.
        this.log.error('oauth2 refresh token rotated but could not be stored; fix the file permissions', { file: this.cfg.refreshTokenFile, error: (err as NodeJS.ErrnoException).code ?? 'error' });
      }
    }
    this.log.debug('oauth2 access token obtained', { expiresIn: json.expires_in });
    return this.token;
  }
}

export function xoauth2Payload(user: string, token: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
}

export function oauthBearerPayload(user: string, host: string, port: number, token: string): string {
  return Buffer.from(`n,a=${user},\x01host=${host}\x01port=${port}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
}
