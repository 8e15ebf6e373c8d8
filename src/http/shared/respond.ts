// Sends a hosted page: the layout, a CSP that allows its stylesheet by hash, and headers that keep
// pages with secrets in forms out of caches and frames.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import { renderPageBytes, styleSourceOf } from './layout.ts';
import type { Branding } from './layout.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { languageLinks, rememberChosenLocale } from './locale.ts';

type PageReply = {
  readonly t: Translate;
  readonly title: string;
  readonly body: SafeHtml;
  readonly branding: Branding;
  readonly status?: number;
  /** Where this page can be fetched again with GET, for the language switcher (default: this GET request's URL). */
  readonly here?: string | undefined;
  readonly wide?: boolean | undefined;
  /** The page loads scripts this server serves (the passkey ceremonies, ADR 0030): `script-src 'self'`, never inline code. */
  readonly scripts?: boolean | undefined;
};

export function sendPage(reply: FastifyReply, page: PageReply): FastifyReply {
  return sendPageBytes(reply, page, renderPageOf(reply, page));
}

/**
 * A page that is the same for every customer but for a few values (an interaction's id, a form's
 * CSRF token): rendered once per `key` with stand-ins where the values go, then sent as those
 * bytes with the values spliced in. `key` must name everything else the page depends on
 * (tenant, branding, application, language). Values outside [A-Za-z0-9_.-], which need no
 * escaping anywhere in a page or a URL, are not spliced: the page is rendered for them instead.
 */
export function sendTemplatedPage(reply: FastifyReply, key: string, values: readonly string[], render: (values: readonly string[]) => PageReply): FastifyReply {
  if (!values.every((value) => SPLICEABLE.test(value))) return sendPage(reply, render(values));
  let template = templates.get(key);
  if (!template) {
    const page = render(values.map((_, index) => standIn(index)));
    template = templateOf(renderPageOf(reply, page), values.length, page);
    if (!template) return sendPage(reply, render(values));
    if (templates.size >= TEMPLATES_MAX) templates.clear();
    templates.set(key, template);
  }
  const chunks: Buffer[] = [template.parts[0]!];
  for (let i = 0; i < template.slots.length; i++) chunks.push(Buffer.from(values[template.slots[i]!]!, 'latin1'), template.parts[i + 1]!);
  return sendPageBytes(reply, template.page, Buffer.concat(chunks));
}

const SPLICEABLE = /^[A-Za-z0-9_.-]{1,512}$/;
/** Stand-ins that every escape and URL encoding leaves as they are, and no page text contains. */
const standIn = (index: number) => `foyerSlot${index}x9Qz7`;
const STAND_IN = /foyerSlot(\d+)x9Qz7/g;

/** The page's bytes cut at its stand-ins, and which value goes in each cut. */
type Template = { readonly parts: readonly Buffer[]; readonly slots: readonly number[]; readonly page: PageReply };
const templates = new Map<string, Template>();
const TEMPLATES_MAX = 512;

function templateOf(bytes: Buffer, count: number, page: PageReply): Template | undefined {
  const text = bytes.toString('utf8');
  const parts: Buffer[] = [];
  const slots: number[] = [];
  let last = 0;
  for (const match of text.matchAll(STAND_IN)) {
    parts.push(Buffer.from(text.slice(last, match.index)));
    slots.push(Number(match[1]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last)));
  // Every value must have landed somewhere, untouched; anything else is rendered, not spliced.
  const used = new Set(slots);
  return slots.every((slot) => slot < count) && used.size === count ? { parts, slots, page } : undefined;
}

function renderPageOf(reply: FastifyReply, page: PageReply): Buffer {
  const here = page.here ?? (reply.request.method === 'GET' ? reply.request.url : undefined);
  const languages = here ? languageLinks(here, page.t.locale) : undefined;
  return renderPageBytes({ title: page.title, t: page.t, branding: page.branding, body: page.body, languages, wide: page.wide });
}

/** Where a request's page forms may lead besides this server (see allowFormTargets). */
const formTargets = new WeakMap<FastifyRequest, string>();

/**
 * Lets this request's page forms lead to where `urls` point: after a sign-in or consent form the
 * browser follows redirects to the application's callback, and Chromium applies the CSP's
 * form-action to every hop. An https or http URL allows its origin, any other (a native app's
 * `com.example.app:/callback`) its scheme.
 */
export function allowFormTargets(request: FastifyRequest, urls: readonly string[]): void {
  const sources = new Set<string>();
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') sources.add(parsed.origin);
    else if (/^[a-z][a-z0-9+.-]*:$/i.test(parsed.protocol)) sources.add(parsed.protocol);
  }
  formTargets.set(request, [...sources].map((source) => ` ${source}`).join(''));
}

function sendPageBytes(reply: FastifyReply, page: PageReply, bytes: Buffer): FastifyReply {
  // Forms post to this server, and lead on only to where allowFormTargets said.
  const formAction = `form-action 'self'${formTargets.get(reply.request) ?? ''}`;
  const scripts = page.scripts ? " script-src 'self';" : '';
  reply.header('content-security-policy', `default-src 'none';${scripts} style-src ${styleSourceOf(page.branding, page.wide)}; img-src 'self' https: data:; ${formAction}; frame-ancestors 'none'; base-uri 'none'`);
  reply.header('cache-control', 'no-store');
  reply.type('text/html; charset=utf-8');
  rememberChosenLocale(reply.request, reply);
  return reply.code(page.status ?? 200).send(bytes);
}

export function errorBody(t: Translate, code: string): SafeHtml {
  return html`<h1>${t('page.error.heading')}</h1><div class="alert" role="alert"><p>${t(code)}</p></div><p>${t('page.error.back')}</p>`;
}

export function brandingOf(tenant: Tenant): Branding {
  const branding = tenant.settings.branding ?? {};
  return { name: branding.name ?? tenant.name, logoUrl: branding.logoUrl, primaryColor: branding.primaryColor };
}
