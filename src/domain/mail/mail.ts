// Queues an email: it is rendered now, in the customer's language and the tenant's branding, and
// stored beside the change that caused it (pass the transaction's `stores.mail`). The mail
// dispatcher delivers it later; the request never waits for SMTP.
import { uuidv7 } from '../../lib/ids.ts';
import { retryAt } from '../../lib/backoff.ts';
import type { RetryPolicy } from '../../lib/backoff.ts';
import { translator } from '../../i18n/translate.ts';
import type { Tenant } from '../tenants/tenant.ts';
import type { MailMessage, MailRequest, MailStore } from './mail.port.ts';
import { renderMail } from './templates.ts';
import type { MailBranding } from './templates.ts';

export async function queueMail(mail: MailStore, tenant: Tenant, request: MailRequest, now: number): Promise<void> {
  if (request.tenantId !== tenant.id) throw new TypeError('queueMail: the request belongs to another tenant');
  const t = translator(request.locale);
  const sender = mailSettingsOf(tenant);
  const content = compose(tenant, request);
  await mail.enqueue({
    id: uuidv7(now),
    tenantId: tenant.id,
    to: request.to,
    kind: request.kind,
    locale: t.locale,
    from: sender.from,
    replyTo: sender.replyTo,
    subject: content.subject,
    text: content.text,
    html: content.html,
    createdAt: now,
  });
}

/**
 * Renders the message and throws it away: an answer that must not reveal whether an email was sent
 * (recovery for an address without an account) does the same work as one that sends it.
 */
export function rehearseMail(tenant: Tenant, request: MailRequest): void {
  compose(tenant, request);
}

function compose(tenant: Tenant, request: MailRequest) {
  const t = translator(request.locale);
  return renderMail({ kind: request.kind, to: request.to, params: request.params, t, branding: mailBrandingOf(tenant), replies: mailSettingsOf(tenant).replyTo !== undefined });
}

/** How retries space out: 5 s after the first failure, doubling, at most 10 min apart, for a day. */
export const MAIL_RETRY = { firstDelayMs: 5_000, maxDelayMs: 10 * 60_000, giveUpAfterMs: 24 * 60 * 60_000 } as const;

export type MailRetryPolicy = RetryPolicy;

/** When to try a message again after its latest attempt failed at `now`, or undefined to give up. */
export function nextAttemptAt(message: Pick<MailMessage, 'attempts' | 'createdAt'>, now: number, policy: MailRetryPolicy = MAIL_RETRY): number | undefined {
  return retryAt(message.attempts, message.createdAt, now, policy);
}

function mailSettingsOf(tenant: Tenant): { from: string | undefined; replyTo: string | undefined } {
  return { from: tenant.settings.mail?.from, replyTo: tenant.settings.mail?.replyTo };
}

/** The tenant's branding as the hosted pages show it (see brandingOf in http/shared/respond.ts). */
function mailBrandingOf(tenant: Tenant): MailBranding {
  const branding = tenant.settings.branding ?? {};
  return { name: branding.name ?? tenant.name, logoUrl: branding.logoUrl, primaryColor: branding.primaryColor };
}
