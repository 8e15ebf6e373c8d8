// The portal's two-step verification section (ADR 0024): the authenticator app (set up, or turn
// off), the recovery codes left (make new ones), and the remembered browsers (forget one).
import { html } from '../../../lib/html.ts';
import type { SafeHtml } from '../../../lib/html.ts';
import { hiddenInputs } from '../../shared/form-fields.ts';
import type { Translate } from '../../../i18n/translate.ts';
import type { SecondFactorStatus } from '../../../domain/account/second-factors.ts';
import type { EmailOtpStatus } from '../../../domain/account/email-otp-factor.ts';
import { describeUserAgent } from '../user-agent.ts';
import { formatTime } from './account-frame.ts';

type SecurityView = {
  readonly status: SecondFactorStatus;
  readonly csrfToken: string;
  readonly enrolUrl: string;
  readonly removeAction: string;
  readonly regenerateAction: string;
  readonly forgetAction: string;
  /** Codes by text message (ADR 0031), where the server can send them: the number's last digits when one is set. */
  readonly sms?: { readonly endsWith: string | undefined; readonly enrolUrl: string; readonly removeAction: string } | undefined;
  /** Codes by email: on (where they go, and whether a stronger factor is asked for instead) or off. */
  readonly email: EmailOtpStatus & { readonly enableAction: string; readonly removeAction: string };
};

export function securityPage(t: Translate, view: SecurityView): SafeHtml {
  const { status } = view;
  const csrf = { csrf_token: view.csrfToken };
  return html`<h1>${t('account.nav.security')}</h1>
<p>${t('account.mfa.intro')}</p>
<h2>${t('account.mfa.totp')}</h2>
${
  status.totp
    ? html`<p><strong class="tag">${t('account.mfa.on')}</strong></p>
<form method="post" action="${view.removeAction}">${hiddenInputs(csrf)}<p class="hint">${t('account.mfa.remove_hint')}</p><button class="secondary" type="submit">${t('account.mfa.remove')}</button></form>
<h2>${t('account.mfa.recovery')}</h2>
<p>${t('account.mfa.recovery_left', { count: status.recoveryCodesLeft ?? 0 })}</p>
<form method="post" action="${view.regenerateAction}">${hiddenInputs(csrf)}<p class="hint">${t('account.mfa.regenerate_hint')}</p><button class="secondary" type="submit">${t('account.mfa.regenerate')}</button></form>`
    : html`<p>${t('account.mfa.off')}</p><p><a href="${view.enrolUrl}">${t('account.mfa.enrol')}</a></p>`
}
${view.sms ? smsSection(t, view.sms, csrf) : ''}
${emailSection(t, view.email, csrf)}
<h2>${t('account.mfa.devices')}</h2>
${
  status.rememberedDevices.length === 0
    ? html`<p>${t('account.mfa.devices_none')}</p>`
    : html`<p>${t('account.mfa.devices_intro')}</p><ul>${status.rememberedDevices.map((device) => {
        const { browser, system } = describeUserAgent(device.userAgent);
        const name = browser && system ? t('account.sessions.device_name', { browser, system }) : (browser ?? system ?? t('account.sessions.unknown_device'));
        return html`<li>${name}, ${t('account.mfa.remembered_until', { date: formatTime(t, device.expiresAt) })} <form method="post" action="${view.forgetAction}">${hiddenInputs({ ...csrf, id: device.id })}<button class="secondary inline" type="submit">${t('account.mfa.forget')}</button></form></li>`;
      })}</ul>`
}`;
}

function smsSection(t: Translate, sms: NonNullable<SecurityView['sms']>, csrf: Record<string, string>): SafeHtml {
  return html`<h2>${t('account.mfa.sms')}</h2>
${
  sms.endsWith === undefined
    ? html`<p>${t('account.mfa.sms_off')}</p><p><a href="${sms.enrolUrl}">${t('account.mfa.sms_enrol')}</a></p>`
    : html`<p><strong class="tag">${t('account.mfa.on')}</strong> ${t('account.mfa.sms_on', { ending: sms.endsWith })}</p>
<form method="post" action="${sms.removeAction}">${hiddenInputs(csrf)}<button class="secondary" type="submit">${t('account.mfa.sms_remove')}</button></form>`
}`;
}

function emailSection(t: Translate, email: SecurityView['email'], csrf: Record<string, string>): SafeHtml {
  return html`<h2>${t('account.mfa.email')}</h2>
${
  email.enabled
    ? html`<p><strong class="tag">${t('account.mfa.on')}</strong> ${email.address ? t('account.mfa.email_on', { address: email.address }) : t('account.mfa.email_needs_verified')}</p>
${email.supersededByStrongerFactor ? html`<p class="hint">${t('account.mfa.email_dormant')}</p>` : ''}
<form method="post" action="${email.removeAction}">${hiddenInputs(csrf)}<button class="secondary" type="submit">${t('account.mfa.email_remove')}</button></form>`
    : html`<p>${t('account.mfa.email_off')}</p>
${
  email.available
    ? html`<form method="post" action="${email.enableAction}">${hiddenInputs(csrf)}<button class="secondary" type="submit">${t('account.mfa.email_enable')}</button></form>`
    : html`<p class="hint">${t('account.mfa.email_needs_verified')}</p>`
}`
}`;
}
