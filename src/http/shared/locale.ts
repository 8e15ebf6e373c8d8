// Which language a hosted page speaks (negotiateLocale's order) and the customer's own choice from
// the language switcher, remembered in a cookie so the next page keeps it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOCALES, LOCALE_NAMES, matchLocale, negotiateLocale } from '../../i18n/locales.ts';
import type { Locale } from '../../i18n/locales.ts';
import { translator } from '../../i18n/translate.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { servedOverHttps } from '../public-origin.ts';

const LANGUAGE_COOKIE = 'foyer_lang';
const LANGUAGE_PARAM = 'lang';
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

type PageLocaleSources = {
  readonly tenant?: Tenant | undefined;
  /** OIDC `ui_locales` of the authorization request behind the page. */
  readonly uiLocales?: unknown;
  /** The signed-in customer's `locale` trait. */
  readonly trait?: unknown;
};

/** The translator for this request's page: the switcher's choice, ui_locales, trait, browser, tenant. */
export function pageTranslator(request: FastifyRequest, sources: PageLocaleSources = {}): Translate {
  return translator(
    negotiateLocale({
      chosen: chosenLocale(request),
      uiLocales: typeof sources.uiLocales === 'string' ? sources.uiLocales : undefined,
      trait: sources.trait,
      acceptLanguage: request.headers['accept-language'],
      tenantDefault: sources.tenant?.settings.defaultLocale,
    }),
  );
}

/** The language picked with the switcher: `?lang=` on this request, else the remembered cookie. */
function chosenLocale(request: FastifyRequest): Locale | undefined {
  const param = (request.query as Record<string, unknown> | undefined)?.[LANGUAGE_PARAM];
  if (typeof param === 'string') {
    const locale = matchLocale(param);
    if (locale) return locale;
  }
  const cookie = cookieValue(request.headers.cookie, LANGUAGE_COOKIE);
  return cookie ? matchLocale(cookie) : undefined;
}

/** Remembers a `?lang=` choice for the following pages (not a secret: readable, site-wide). */
export function rememberChosenLocale(request: FastifyRequest, reply: FastifyReply): void {
  const param = (request.query as Record<string, unknown> | undefined)?.[LANGUAGE_PARAM];
  const locale = typeof param === 'string' ? matchLocale(param) : undefined;
  if (!locale) return;
  const secure = servedOverHttps(request) ? '; Secure' : '';
  reply.header('set-cookie', `${LANGUAGE_COOKIE}=${encodeURIComponent(locale)}; Path=/; Max-Age=${ONE_YEAR_SECONDS}; SameSite=Lax; HttpOnly${secure}`);
}

export type LanguageLink = { readonly locale: Locale; readonly name: string; readonly href: string; readonly current: boolean };

/** Links to `path` in every language (its other query parameters kept), for the switcher. */
export function languageLinks(path: string, current: Locale): LanguageLink[] {
  // One parse, then one string per language (this runs on every hosted page).
  const url = new URL(path, 'http://placeholder');
  url.searchParams.delete(LANGUAGE_PARAM);
  const prefix = `${url.pathname}${url.search ? `${url.search}&` : '?'}${LANGUAGE_PARAM}=`;
  return LOCALES.map((locale) => ({ locale, name: LOCALE_NAMES[locale], href: prefix + encodeURIComponent(locale), current: locale === current }));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
