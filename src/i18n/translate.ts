// Looks a message up by key in the customer's language and formats it (ICU MessageFormat, see
// message-format.ts). Each message is compiled once per language, on first use, and kept: pages
// are rendered often, catalogues change only with a release. A key missing from a catalogue (never
// in a release: the catalogues are complete by type) falls back to English; a key no catalogue
// knows comes back as itself (callers use that to tell "no text for this trait").
import { en } from './en.ts';
import type { MessageKey } from './en.ts';
import { DEFAULT_LOCALE, directionOf, matchLocale } from './locales.ts';
import type { Locale } from './locales.ts';
import { catalogues } from './catalogues.ts';
import { compileMessage } from './message-format.ts';
import type { CompiledMessage, MessageParams } from './message-format.ts';

export type Translate = ((key: MessageKey | string, params?: MessageParams) => string) & {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
};

const cache = new Map<Locale, Translate>();

export function translator(requested: string): Translate {
  const locale = matchLocale(requested) ?? DEFAULT_LOCALE;
  const cached = cache.get(locale);
  if (cached) return cached;
  const catalogue = (catalogues[locale] ?? {}) as Partial<Record<string, string>>;
  const english = en as Record<string, string>;
  const compiled = new Map<string, CompiledMessage>();
  const messageOf = (key: string): CompiledMessage | undefined => {
    let message = compiled.get(key);
    if (message) return message;
    // Own keys only: `constructor` or `__proto__` (a trait name, a code) is no message.
    const own = Object.hasOwn(catalogue, key) ? catalogue[key] : undefined;
    const source = own ?? (Object.hasOwn(english, key) ? english[key] : undefined);
    if (source === undefined) return undefined;
    message = compileOrFallBack(source, own !== undefined && own !== english[key] ? english[key] : undefined, locale);
    compiled.set(key, message);
    return message;
  };
  const t = (key: string, params?: MessageParams) => messageOf(key)?.(params) ?? key;
  const bound = Object.assign(t, { locale, dir: directionOf(locale) }) as Translate;
  cache.set(locale, bound);
  return bound;
}

/** A message that does not parse (the catalogue tests forbid it) is shown in English rather than failing the page. */
function compileOrFallBack(source: string, english: string | undefined, locale: Locale): CompiledMessage {
  try {
    return compileMessage(source, locale);
  } catch {
    if (english === undefined) return () => source;
    try {
      return compileMessage(english, DEFAULT_LOCALE);
    } catch {
      return () => source;
    }
  }
}
