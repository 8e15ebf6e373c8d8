// Looks a message up by key and fills its {placeholders}. Issue-by-issue, more catalogues join
// `catalogues`; an unknown locale falls back to English.
import { en } from './en.ts';
import type { MessageKey } from './en.ts';

export type Locale = 'en';
export type Translate = (key: MessageKey | string, params?: Record<string, string | number>) => string;

const catalogues: Record<Locale, Record<string, string>> = { en };

export function translator(locale: string): Translate {
  const catalogue = catalogues[locale as Locale] ?? en;
  return (key, params = {}) => {
    const template = catalogue[key] ?? (en as Record<string, string>)[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}
