// The languages every page and email of Foyer speaks, with the name each calls itself (for the
// language switcher) and its writing direction.
export const LOCALES = ['en', 'de', 'fr', 'es', 'pt-BR', 'it', 'nl', 'ja', 'zh-CN', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  'pt-BR': 'Português (Brasil)',
  it: 'Italiano',
  nl: 'Nederlands',
  ja: '日本語',
  'zh-CN': '简体中文',
  ar: 'العربية',
};

const RIGHT_TO_LEFT: ReadonlySet<Locale> = new Set(['ar']);

export function directionOf(locale: Locale): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale) ? 'rtl' : 'ltr';
}

/**
 * Chinese written in simplified script, whatever the region says. A Map, not an object literal:
 * the tags come from requests, and `__proto__` or `constructor` must find nothing.
 */
const ALIASES: ReadonlyMap<string, Locale> = new Map([
  ['zh-hans', 'zh-CN'],
  ['zh-sg', 'zh-CN'],
  ['zh', 'zh-CN'],
  ['pt', 'pt-BR'],
]);

/**
 * The supported locale a BCP 47 tag asks for, or undefined: an exact match first (any case), then
 * a known alias, then the same language in another region (de-AT → de, pt-PT → pt-BR).
 */
export function matchLocale(tag: string): Locale | undefined {
  if (typeof tag !== 'string') return undefined;
  const wanted = tag.trim().toLowerCase();
  if (!wanted || wanted.length > 35) return undefined;
  const exact = LOCALES.find((locale) => locale.toLowerCase() === wanted);
  if (exact) return exact;
  const language = wanted.split('-')[0]!;
  const alias = ALIASES.get(wanted) ?? ALIASES.get(wanted.split('-').slice(0, 2).join('-')) ?? ALIASES.get(language);
  if (alias) return alias;
  return LOCALES.find((locale) => locale.toLowerCase().split('-')[0] === language);
}

/** Languages from an Accept-Language header, most wanted first (q=0 means "not this one"). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((entry) => entry.tag);
}

type LocaleSources = {
  /** The customer picked a language with the switcher (cookie or ?lang=). */
  readonly chosen?: string | undefined;
  /** OIDC `ui_locales`: space-separated tags, most wanted first. */
  readonly uiLocales?: string | undefined;
  /** The customer's `locale` trait. */
  readonly trait?: unknown;
  readonly acceptLanguage?: string | undefined;
  readonly tenantDefault?: string | undefined;
};

/**
 * The language to speak: the customer's explicit choice on the page, then the application's
 * `ui_locales`, then the customer's `locale` trait, then the browser's Accept-Language, then the
 * tenant's default, then English.
 */
export function negotiateLocale(sources: LocaleSources): Locale {
  const candidates = [
    sources.chosen,
    ...(sources.uiLocales ?? '').split(' ').slice(0, 10),
    typeof sources.trait === 'string' ? sources.trait.replace('_', '-') : undefined,
    ...acceptedLanguages(sources.acceptLanguage),
    sources.tenantDefault,
  ];
  for (const candidate of candidates) {
    const locale = candidate ? matchLocale(candidate) : undefined;
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}
