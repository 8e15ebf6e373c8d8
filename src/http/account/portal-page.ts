// Sends a page of the account portal: the portal's frame (who is signed in, the sections, a notice
// after a change, the sign-out form) around a section's body. Pages added to the portal elsewhere
// (the change-of-email page) send theirs with this, under the section they belong to.
import type { FastifyReply } from 'fastify';
import type { SafeHtml } from '../../lib/html.ts';
import { brandingOf, sendPage } from '../shared/respond.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { ACCOUNT_CLIENT_ID, ACCOUNT_PATH } from '../oidc/account-client.ts';
import type { Portal } from './portal-session.ts';
import type { Section } from './pages/account-frame.ts';
import { accountFrame, sectionPath } from './pages/account-frame.ts';

/**
 * Notices a page may show after a change (`?done=`): a fixed list, so no text comes from the URL,
 * and a Map, so that `?done=__proto__` or `?done=constructor` finds nothing.
 */
const NOTICES = new Map([
  ['saved', 'account.saved'],
  ['password', 'account.password.changed'],
  ['revoked', 'account.sessions.revoked'],
  ['others', 'account.sessions.revoked_others'],
  ['app', 'account.applications.revoked'],
  ['email', 'account.email.changed'],
  ['mfa_on', 'account.mfa.enrolled'],
  ['mfa_off', 'account.mfa.removed'],
  ['device', 'account.mfa.forgotten'],
  ['consents', 'account.privacy.consents_saved'],
  ['preferences', 'account.privacy.preferences_saved'],
  ['linked', 'account.connections.linked'],
  ['unlinked', 'account.connections.unlinked'],
  ['passkey_added', 'account.passkeys.added'],
  ['passkey_renamed', 'account.passkeys.renamed'],
  ['passkey_removed', 'account.passkeys.removed'],
] as const);

type PortalNotice = typeof NOTICES extends Map<infer Key, string> ? Key : never;

/** Renders `body` in the portal's frame with `section` marked current; `title` defaults to the section's name. */
export function sendPortalPage(reply: FastifyReply, portal: Portal, section: Section, body: SafeHtml, options: { status?: number; title?: string; scripts?: boolean } = {}): FastifyReply {
  const query = (reply.request.query ?? {}) as Record<string, unknown>;
  const notice = typeof query['done'] === 'string' ? NOTICES.get(query['done'] as PortalNotice) : undefined;
  const signOut = {
    action: `${mountPathOf(portal.tenant)}/session/end`,
    hidden: { client_id: ACCOUNT_CLIENT_ID, post_logout_redirect_uri: `${portal.issuer}${ACCOUNT_PATH}` },
  };
  const email = String(portal.identity.traits['email'] ?? '');
  const framed = accountFrame(portal.t, { base: portal.base, email, section, notice, signOut }, body);
  // The language switcher reloads the section's page without the one-time notice (and a page
  // answering a POST, a form with errors, switches language on the section's GET page).
  const here = reply.request.method === 'GET' ? withoutNotice(reply.request.url) : sectionPath(portal.base, section);
  const title = `${options.title ?? portal.t(`account.nav.${section}`)} · ${portal.t('account.title')}`;
  return sendPage(reply, { status: options.status ?? 200, t: portal.t, branding: brandingOf(portal.tenant), title, body: framed, here, wide: true, scripts: options.scripts });
}

/** After a change: see the section's page again (POST, redirect, GET), saying what happened. */
export function redirectAfterChange(reply: FastifyReply, portal: Portal, section: Section, notice: PortalNotice): FastifyReply {
  return reply.code(303).header('location', `${sectionPath(portal.base, section)}?done=${notice}`).header('cache-control', 'no-store').send();
}

function withoutNotice(url: string): string {
  const parsed = new URL(url, 'http://placeholder');
  parsed.searchParams.delete('done');
  return `${parsed.pathname}${parsed.search}`;
}
