// Looks a message up by key in the customer's language and fills its {placeholders}. A key missing
// from a catalogue (never in a release: the catalogues are complete by type) falls back to English.
import { en } from './en.ts';
import type { Catalogue, MessageKey } from './en.ts';
import { DEFAULT_LOCALE, directionOf, matchLocale } from './locales.ts';
import type { Locale } from './locales.ts';
import { catalogues } from './catalogues.ts';

export type { Locale } from './locales.ts';

export type Translate = ((key: MessageKey | string, params?: Record<string, string | number>) => string) & {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
};

const cache = new Map<Locale, Translate>();

export function translator(requested: string): Translate {
  const locale = matchLocale(requested) ?? DEFAULT_LOCALE;
  const cached = cache.get(locale);
  if (cached) return cached;
  const catalogue: Partial<Catalogue> = catalogues[locale] ?? {};
  const english = en as Record<string, string>;
  const t = (key: string, params: Record<string, string | number> = {}) => {
    const template = (catalogue as Record<string, string>)[key] ?? english[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
  const bound = Object.assign(t, { locale, dir: directionOf(locale) }) as Translate;
  cache.set(locale, bound);
  return bound;
}
