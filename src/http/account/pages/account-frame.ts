// The frame of every account portal page: who is signed in, the sections, a notice after a change,
// the section itself, and a sign-out form (RP-initiated logout of the portal's own client).
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { hiddenInputs } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';

const SECTIONS = ['profile', 'password', 'security', 'passkeys', 'connections', 'sessions', 'applications', 'privacy', 'activity', 'data'] as const;
export type Section = (typeof SECTIONS)[number];

type FrameView = {
  readonly base: string;
  readonly email: string;
  readonly section: Section;
  /** A message key confirming the last change (shown as a status, announced politely). */
  readonly notice?: string | undefined;
  /** `{mount}/session/end` and the parameters of the portal's sign-out. */
  readonly signOut: { readonly action: string; readonly hidden: Record<string, string> };
};

export function sectionPath(base: string, section: Section): string {
  return section === 'profile' ? base : `${base}/${section}`;
}

export function accountFrame(t: Translate, view: FrameView, body: SafeHtml): SafeHtml {
  return html`<header class="account-head"><p class="hint">${t('account.signed_in_as', { email: view.email })}</p>
<form method="get" action="${view.signOut.action}">${hiddenInputs(view.signOut.hidden)}<button class="secondary inline" type="submit">${t('account.sign_out')}</button></form></header>
<nav class="account" aria-label="${t('account.nav.label')}"><ul>${SECTIONS.map((section) =>
    section === view.section
      ? html`<li><a href="${sectionPath(view.base, section)}" aria-current="page">${t(`account.nav.${section}`)}</a></li>`
      : html`<li><a href="${sectionPath(view.base, section)}">${t(`account.nav.${section}`)}</a></li>`,
  )}</ul></nav>
${view.notice ? html`<div class="notice" role="status"><p>${t(view.notice)}</p></div>` : ''}
${body}`;
}

/** A date and time in the customer's language, in UTC (said so), e.g. "12 Mar 2026, 14:05 UTC". */
export function formatTime(t: Translate, epochMs: number | undefined): string {
  if (epochMs === undefined) return '';
  // dateStyle cannot be combined with timeZoneName: the zone is appended, always UTC.
  return `${new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(epochMs))} UTC`;
}

/** A form field's translated label: the schema's title, else our text for a known trait, else its name. */
export function traitLabel(t: Translate, name: string, title: string | undefined): string {
  if (title) return title;
  const key = `account.field.${name}`;
  const text = t(key);
  return text === key ? name : text;
}
