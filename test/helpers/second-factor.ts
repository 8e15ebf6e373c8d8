// What the second-factor tests share: reading the enrolment page's key, computing TOTP codes as an
// authenticator app does (otpauth, RFC 6238), and walking the hosted step's forms.
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import type { BrowserSession, Page } from './browser-session.ts';
import { findForm, isAction, requireForm, textOf } from './browser-session.ts';

/** The code an authenticator app shows for `secret` at `at` (default now). */
export function totpCode(secret: string, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

/** The manual key the enrolment page shows (grouped in fours). */
export function keyOn(page: Page): string {
  const match = /<code class="key">([A-Z2-7 ]+)<\/code>/.exec(page.html);
  assert.ok(match, `no key on the page: ${textOf(page.html).slice(0, 300)}`);
  return match[1]!.replace(/ /g, '');
}

/** On the sign-in enrolment page: sets up the app, and answers the key and the ten recovery codes shown once, with the page after them. */
export async function enrolOnSignIn(browser: BrowserSession, page: Page): Promise<{ secret: string; codes: string[]; codesPage: Page }> {
  const secret = keyOn(page);
  assert.match(page.html, /<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
  const codesPage = await browser.submit(requireForm(page, isAction('/second-factor/enrol')), { code: totpCode(secret) });
  const codes = [...codesPage.html.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((match) => match[1]!);
  return { secret, codes, codesPage };
}

/** Whether the page is the second-factor step asking for a code. */
export function asksSecondFactor(page: Page): boolean {
  return findForm(page, (form) => form.action.pathname.endsWith('/second-factor') && form.fields['method'] === 'totp') !== undefined;
}

/** Submits a code (of `method`) on the second-factor page. */
export function submitSecondFactor(browser: BrowserSession, page: Page, code: string, options: { method?: string; remember?: boolean } = {}): Promise<Page> {
  const method = options.method ?? 'totp';
  const form = requireForm(page, (candidate) => candidate.action.pathname.endsWith('/second-factor') && candidate.fields['method'] === method);
  return browser.submit(form, { code, ...(options.remember ? { remember: 'true' } : {}) });
}
