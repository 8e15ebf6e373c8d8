// Every language's catalogue, in ICU MessageFormat (ADR 0015). English is the reference (en.ts);
// each other one lives in locales/ and holds exactly its keys (test/i18n/catalogues.test.ts checks
// keys, arguments, plural forms, and that no text was left in English unless the catalogue says the
// word is the same in its language).
import { en } from './en.ts';
import type { Catalogue, Translation } from './en.ts';
import type { Locale } from './locales.ts';
import { de } from './locales/de.ts';
import { fr } from './locales/fr.ts';
import { es } from './locales/es.ts';
import { ptBR } from './locales/pt-BR.ts';
import { it } from './locales/it.ts';
import { nl } from './locales/nl.ts';
import { ja } from './locales/ja.ts';
import { zhCN } from './locales/zh-CN.ts';
import { ar } from './locales/ar.ts';
import { passwordlessTranslations } from './locales/passwordless.ts';
import { emailOtpTranslations } from './locales/email-otp.ts';
import { staffInvitationTranslations } from './locales/staff-invitations.ts';

const languages: Readonly<Record<Exclude<Locale, 'en'>, Translation>> = { de, fr, es, 'pt-BR': ptBR, it, nl, ja, 'zh-CN': zhCN, ar };

/** Each language's file, with the texts of areas kept in files of their own (locales/passwordless.ts, email-otp.ts, staff-invitations.ts). */
export const translations: Readonly<Record<Exclude<Locale, 'en'>, Translation>> = Object.fromEntries(
  Object.entries(languages).map(([locale, translation]) => [locale, { ...translation, messages: { ...translation.messages, ...passwordlessTranslations[locale as Exclude<Locale, 'en'>], ...emailOtpTranslations[locale as Exclude<Locale, 'en'>], ...staffInvitationTranslations[locale as Exclude<Locale, 'en'>] } }]),
) as Record<Exclude<Locale, 'en'>, Translation>;

export const catalogues: Readonly<Record<Locale, Partial<Catalogue>>> = {
  en,
  ...(Object.fromEntries(Object.entries(translations).map(([locale, translation]) => [locale, translation.messages])) as Record<Exclude<Locale, 'en'>, Partial<Catalogue>>),
};
