import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { hiddenInputs } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { AccountSession } from '../../../domain/account/sessions.ts';
import { describeUserAgent } from '../user-agent.ts';
import { formatTime } from './account-frame.ts';

type SessionsView = {
  readonly revokeAction: string;
  readonly revokeOthersAction: string;
  readonly csrfToken: string;
  readonly sessions: readonly AccountSession[];
};

export function sessionsPage(t: Translate, view: SessionsView): SafeHtml {
  const others = view.sessions.filter((session) => !session.current);
  return html`<h1>${t('account.sessions.heading')}</h1>
<p>${t('account.sessions.intro')}</p>
<table>
<thead><tr><th scope="col">${t('account.sessions.device')}</th><th scope="col">${t('account.sessions.place')}</th><th scope="col">${t('account.sessions.signed_in')}</th><th scope="col">${t('account.sessions.last_seen')}</th><th scope="col">${t('account.sessions.actions')}</th></tr></thead>
<tbody>${view.sessions.map((session) => {
    const device = deviceName(t, session);
    return html`<tr${session.current ? html` class="current"` : ''}>
<th scope="row">${device}${session.current ? html` <strong class="tag">${t('account.sessions.current')}</strong>` : ''}${session.kind === 'app' ? html` <span class="tag">${t('account.sessions.app')}</span>` : ''}</th>
<td>${session.ip ?? t('account.sessions.unknown_place')}</td>
<td>${formatTime(t, session.signedInAt)}</td>
<td>${formatTime(t, session.lastSeenAt ?? session.signedInAt)}</td>
<td>${
      session.current
        ? ''
        : html`<form method="post" action="${view.revokeAction}">${hiddenInputs({ csrf_token: view.csrfToken, id: session.id })}<button class="secondary inline" type="submit" aria-label="${t('account.sessions.revoke_label', { device, date: formatTime(t, session.signedInAt) })}">${t('account.sessions.revoke')}</button></form>`
    }</td>
</tr>`;
  })}</tbody>
</table>
${
  others.length > 0
    ? html`<form method="post" action="${view.revokeOthersAction}">${hiddenInputs({ csrf_token: view.csrfToken })}<button type="submit">${t('account.sessions.revoke_others')}</button></form>`
    : html`<p>${t('account.sessions.none_other')}</p>`
}`;
}

function deviceName(t: Translate, session: AccountSession): string {
  const { browser, system } = describeUserAgent(session.userAgent);
  if (browser && system) return t('account.sessions.device_name', { browser, system });
  return browser ?? system ?? t('account.sessions.unknown_device');
}
