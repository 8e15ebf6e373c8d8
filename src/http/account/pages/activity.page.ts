import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { MessageKey } from '../../../i18n/en.ts';
import type { ActivityEntry } from '../../../domain/account/activity.ts';
import { describeUserAgent } from '../user-agent.ts';
import { formatTime } from './account-frame.ts';

export function activityPage(t: Translate, entries: readonly ActivityEntry[]): SafeHtml {
  return html`<h1>${t('account.activity.heading')}</h1>
<p>${t('account.activity.intro')}</p>
${
  entries.length === 0
    ? html`<p>${t('account.activity.none')}</p>`
    : html`<table>
<thead><tr><th scope="col">${t('account.activity.when')}</th><th scope="col">${t('account.activity.what')}</th><th scope="col">${t('account.activity.where')}</th><th scope="col">${t('account.sessions.device')}</th></tr></thead>
<tbody>${entries.map(
        (entry) => html`<tr${entry.outcome === 'failure' ? html` class="failure"` : ''}><td>${formatTime(t, entry.at)}</td><td>${describeAction(t, entry)}</td><td>${entry.ip ?? ''}</td><td>${deviceOf(entry.userAgent)}</td></tr>`,
      )}</tbody>
</table>`
}`;
}

/** The names the security section gives each second factor: a change or use of one says which. */
const SECOND_FACTOR_NAMES: Readonly<Record<string, MessageKey>> = {
  totp: 'account.mfa.totp',
  recovery_code: 'account.mfa.recovery',
  sms: 'account.mfa.sms',
  email_otp: 'account.mfa.email',
  passkey: 'account.nav.passkeys',
};

function describeAction(t: Translate, entry: ActivityEntry): string {
  const key = `account.activity.${entry.action}`;
  const text = t(key) === key ? t('account.activity.other') : t(key);
  const factor = entry.action.startsWith('mfa.') && entry.method !== undefined ? SECOND_FACTOR_NAMES[entry.method] : undefined;
  const which = factor ? ` (${t(factor)})` : '';
  const by = entry.by === 'operator' ? ` (${t('account.activity.by_operator')})` : '';
  return `${text}${which}${by}`;
}

function deviceOf(userAgent: string | undefined): string {
  const { browser, system } = describeUserAgent(userAgent);
  return [browser, system].filter(Boolean).join(' · ');
}
