// Sessions that Foyer issues itself to native apps completing an api flow (browsers get
// oidc-provider's session cookie instead). The token is shown once; only its SHA-256 is stored, so
// a copy of the database yields no live session (SECURITY.md 12, 15).
import { createHash } from 'node:crypto';
import { randomToken, uuidv7 } from '../../lib/ids.ts';

export type Session = {
  readonly id: string;
  readonly tenantId: string;
  readonly identityId: string;
  readonly authenticatedAt: number;
  /** RFC 8176 method references, e.g. ['pwd']. */
  readonly methods: readonly string[];
  /** The authentication context class the sign-in reached (absent on sessions issued before it was kept). */
  readonly acr?: string | undefined;
  readonly device: { readonly userAgent?: string | undefined; readonly ip?: string | undefined };
  readonly lastSeenAt: number;
  readonly expiresAt: number;
};

/** Absolute lifetime, and how long a session may go unused before it dies. */
export const SESSION_LIFETIME_MS = 30 * 24 * 3600_000;
export const SESSION_IDLE_TIMEOUT_MS = 7 * 24 * 3600_000;
/** last_seen_at is written at most this often, so that using a session is not a write per request. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function newSession(input: { tenantId: string; identityId: string; methods: readonly string[]; acr?: string | undefined; device: Session['device']; now: number }): { session: Session; token: string } {
  const token = randomToken(32);
  return {
    token,
    session: {
      id: uuidv7(input.now),
      tenantId: input.tenantId,
      identityId: input.identityId,
      authenticatedAt: input.now,
      methods: input.methods,
      ...(input.acr === undefined ? {} : { acr: input.acr }),
      device: input.device,
      lastSeenAt: input.now,
      expiresAt: input.now + SESSION_LIFETIME_MS,
    },
  };
}

/** Whether a stored session still holds at `now`: not past its lifetime, not idle too long. */
export function isLive(session: Session, now: number): boolean {
  return now < session.expiresAt && now < session.lastSeenAt + SESSION_IDLE_TIMEOUT_MS;
}
