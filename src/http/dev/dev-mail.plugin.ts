// /dev/mail: the development outbox in the browser, to read the codes and links a flow sent
// without a mail server; /dev/sms the same for text messages sent without an SMS gateway. Registered only outside production (server.ts), so there it is a 404, and
// it answers requests from this machine only (loopback).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../lib/html.ts';
import { brandingOf, sendPage } from '../shared/respond.ts';
import { pageTranslator } from '../shared/locale.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { MailMessage, MailStore } from '../../domain/mail/mail.port.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import type { TenantStore } from '../../domain/tenants/tenant.port.ts';
import { withOutboxBodies } from '../../infra/mail/dev-outbox.ts';
import { readDevSmsOutbox } from '../../infra/sms/dev-outbox.ts';
import { registerPageErrors } from '../shared/page-errors.ts';

type DevMailDeps = {
  readonly mail: MailStore;
  /** DATA_DIR/mail: where the bodies of delivered development mail are kept. */
  readonly outboxDir: string;
  /** DATA_DIR/sms: the text messages written instead of sent (ADR 0031). */
  readonly smsOutboxDir: string;
  readonly tenants: TenantStore;
  /** The tenant whose branding frames the page (the default one). */
  readonly tenantId: string;
};

const LIST_LIMIT = 100;
const ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN } }, required: ['id'] } as const;

export async function devMailPlugin(app: FastifyInstance, deps: DevMailDeps): Promise<void> {
  registerPageErrors(app);
  // The page shows live codes: a server started without NODE_ENV=production by mistake must not
  // hand them to anyone who asks. Only the developer's own machine sees it.
  app.addHook('onRequest', async (request, reply) => {
    // Both the connection and the client it speaks for must be this machine: the socket alone would
    // let a reverse proxy on this machine forward anyone, the forwarded address alone would trust
    // whatever X-Forwarded-For a remote client writes.
    if (!isLoopback(request.socket.remoteAddress ?? '') || !isLoopback(request.ip)) return reply.code(404).type('application/problem+json').send({ type: 'about:blank', title: 'Not Found', status: 404, code: 'request.not_found', detail: 'There is no such page.' });
  });
  app.get('/dev/mail', async (request, reply) => {
    const tenant = await frameTenant();
    const t = pageTranslator(request, { tenant });
    const messages = await deps.mail.list({ limit: LIST_LIMIT });
    const items = messages.map(
      (m) => html`<li><a href="/dev/mail/${m.id}">${m.subject}</a><br><span class="hint">${m.to} · ${m.kind} · ${m.status} · ${timeOf(m.createdAt)}</span></li>`,
    );
    const body = html`<h1>${t('mail.dev_outbox.title')}</h1><p class="hint">${t('mail.dev_outbox.intro')}</p>${
      messages.length === 0 ? html`<p>${t('mail.dev_outbox.empty')}</p>` : html`<ul>${items}</ul>`
    }`;
    return sendPage(reply, { t, title: t('mail.dev_outbox.title'), branding: frameOf(tenant), body, wide: true });
  });

  app.get('/dev/sms', async (request, reply) => {
    const tenant = await frameTenant();
    const t = pageTranslator(request, { tenant });
    const messages = (await readDevSmsOutbox(deps.smsOutboxDir)).slice(0, LIST_LIMIT);
    const items = messages.map((m) => html`<li><p>${m.body}</p><span class="hint">${m.to} · ${m.kind} · ${timeOf(m.createdAt)}</span></li>`);
    const body = html`<h1>${t('dev.sms.title')}</h1><p class="hint">${t('dev.sms.intro')}</p>${messages.length === 0 ? html`<p>${t('dev.sms.empty')}</p>` : html`<ul>${items}</ul>`}`;
    return sendPage(reply, { t, title: t('dev.sms.title'), branding: frameOf(tenant), body, wide: true });
  });

  app.get('/dev/mail/:id', { schema: { params: idParams } }, async (request, reply) => {
    const tenant = await frameTenant();
    const t = pageTranslator(request, { tenant });
    const message = await find(request);
    if (!message) return notFound(reply, t, tenant);
    const sender = message.from ?? t('mail.dev_outbox.default_sender');
    const rows: [string, string][] = [
      [t('mail.dev_outbox.to'), message.to],
      [t('mail.dev_outbox.from'), sender],
      ...(message.replyTo ? [[t('mail.dev_outbox.reply_to'), message.replyTo] as [string, string]] : []),
      [t('mail.dev_outbox.kind'), `${message.kind} (${message.locale})`],
      [t('mail.dev_outbox.status'), message.status],
      [t('mail.dev_outbox.created'), timeOf(message.createdAt)],
      ...(message.lastError && message.status !== 'sent' ? [[t('mail.dev_outbox.last_error'), message.lastError] as [string, string]] : []),
    ];
    const body = html`<p><a href="/dev/mail">${t('mail.dev_outbox.back')}</a></p>
<h1>${message.subject}</h1>
${rows.map(([label, value]) => html`<p><strong>${label}:</strong> ${value}</p>`)}
${
  message.text === null
    ? html`<p class="hint">${t('mail.dev_outbox.no_body')}</p>`
    : html`<p><a href="/dev/mail/${message.id}/html">${t('mail.dev_outbox.view_html')}</a></p><pre>${message.text}</pre>`
}`;
    return sendPage(reply, { t, title: message.subject, branding: frameOf(tenant), body, wide: true });
  });

  // The HTML body as the customer's mail client gets it: its inline styles and https images only,
  // no script, nothing framed.
  app.get('/dev/mail/:id/html', { schema: { params: idParams } }, async (request, reply) => {
    const message = await find(request);
    if (!message?.html) {
      const tenant = await frameTenant();
      return notFound(reply, pageTranslator(request, { tenant }), tenant);
    }
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    reply.header('cache-control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(message.html);
  });

  async function find(request: FastifyRequest): Promise<MailMessage | undefined> {
    const { id } = request.params as { id: string };
    const message = await deps.mail.find(id);
    return message && withOutboxBodies(message, deps.outboxDir);
  }

  async function frameTenant(): Promise<Tenant | undefined> {
    return deps.tenants.findById(deps.tenantId);
  }

  function notFound(reply: FastifyReply, t: Translate, tenant: Tenant | undefined): FastifyReply {
    const body = html`<h1>${t('mail.dev_outbox.title')}</h1><p>${t('mail.dev_outbox.not_found')}</p><p><a href="/dev/mail">${t('mail.dev_outbox.back')}</a></p>`;
    return sendPage(reply, { status: 404, t, title: t('mail.dev_outbox.title'), branding: frameOf(tenant), body });
  }
}

function timeOf(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function frameOf(tenant: Tenant | undefined) {
  return tenant ? brandingOf(tenant) : { name: 'Foyer' };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}
