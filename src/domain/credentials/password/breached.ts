// The optional breached-password check (SECURITY.md 3) against a Pwned Passwords range service,
// by k-anonymity: only the first 5 hex characters of the password's SHA-1 leave the server, and the
// answer lists every suffix in that range, so the service never learns which password was checked.
import { createHash } from 'node:crypto';
import { normalizePassword } from './argon2.ts';

export type BreachedPasswordVerdict = 'breached' | 'not_found' | 'unavailable';

type BreachedPasswordCheckOptions = {
  /** The range endpoint, e.g. `https://api.pwnedpasswords.com/range`; the prefix is appended. */
  rangeUrl: string;
  /** How long sign-up waits for the service; default 1500 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Told why the service gave no answer (the password went through unchecked), e.g. to log it. */
  onUnavailable?: (reason: string) => void;
};

export type BreachedPasswordCheck = (password: string) => Promise<BreachedPasswordVerdict>;

const DEFAULT_TIMEOUT_MS = 1500;
const PREFIX_LENGTH = 5;

/**
 * Returns a check that answers 'breached' when the password appears in the service's corpus, and
 * 'unavailable' on any network error, timeout or non-200 answer: sign-up goes on without the check
 * rather than failing because a third party is down.
 */
export function createBreachedPasswordCheck(options: BreachedPasswordCheckOptions): BreachedPasswordCheck {
  const rangeUrl = options.rangeUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchRange = options.fetch ?? fetch;
  const unavailable = (reason: string): BreachedPasswordVerdict => {
    options.onUnavailable?.(reason);
    return 'unavailable';
  };

  return async (password) => {
    // The hash of the NFKC form: the form Foyer hashes and compares, so the one that matters here.
    const digest = createHash('sha1').update(normalizePassword(password), 'utf8').digest('hex').toUpperCase();
    const prefix = digest.slice(0, PREFIX_LENGTH);
    const suffix = digest.slice(PREFIX_LENGTH);
    try {
      const response = await fetchRange(`${rangeUrl}/${prefix}`, {
        // Padding makes every answer about the same size, so its length does not hint at the prefix.
        headers: { 'Add-Padding': 'true' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return unavailable(`answered ${response.status}`);
      }
      return isListed(await response.text(), suffix) ? 'breached' : 'not_found';
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return unavailable(`no answer within ${timeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return unavailable(cause?.code ?? cause?.message ?? (error as Error).message);
    }
  };
}

// Lines are `SUFFIX:COUNT`; padding entries carry a count of 0 and are not breaches.
function isListed(rangeBody: string, suffix: string): boolean {
  for (const line of rangeBody.split('\n')) {
    const separator = line.indexOf(':');
    if (separator < 0 || line.slice(0, separator).trim().toUpperCase() !== suffix) continue;
    return Number.parseInt(line.slice(separator + 1), 10) > 0;
  }
  return false;
}
