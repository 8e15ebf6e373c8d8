// Sends a hosted page: the layout, a fresh CSP nonce for its stylesheet, and headers that keep
// pages with secrets in forms out of caches and frames.
import type { FastifyReply } from 'fastify';
import { randomString } from '../../lib/random.ts';
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import { renderPageBytes } from './layout.ts';
import type { Branding } from './layout.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { languageLinks, rememberChosenLocale } from './locale.ts';

export type PageReply = {
  readonly t: Translate;
  readonly title: string;
  readonly body: SafeHtml;
  readonly branding: Branding;
  readonly status?: number;
  /** Where this page can be fetched again with GET, for the language switcher (default: this GET request's URL). */
  readonly here?: string | undefined;
  readonly wide?: boolean | undefined;
};

export function sendPage(reply: FastifyReply, page: PageReply): FastifyReply {
  const nonce = randomString(16, 'base64');
  // No form-action: after a sign-in form the browser follows redirects to the application's
  // callback, and Chromium applies form-action to every hop.
  reply.header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'`);
  reply.header('cache-control', 'no-store');
  reply.type('text/html; charset=utf-8');
  rememberChosenLocale(reply.request, reply);
  const here = page.here ?? (reply.request.method === 'GET' ? reply.request.url : undefined);
  const languages = here ? languageLinks(here, page.t.locale) : undefined;
  return reply
    .code(page.status ?? 200)
    .send(renderPageBytes({ title: page.title, t: page.t, nonce, branding: page.branding, body: page.body, languages, wide: page.wide }));
}

export function errorBody(t: Translate, code: string): SafeHtml {
  return html`<h1>${t('page.error.heading')}</h1><div class="alert" role="alert"><p>${t(code)}</p></div><p>${t('page.error.back')}</p>`;
}

export function brandingOf(tenant: Tenant): Branding {
  const branding = (tenant.settings['branding'] ?? {}) as { name?: string; logoUrl?: string; primaryColor?: string };
  return { name: branding.name ?? tenant.name, logoUrl: branding.logoUrl, primaryColor: branding.primaryColor };
}
