// Every language's catalogue. English is the reference (en.ts); each other one lives in locales/
// and must hold exactly its keys.
import { en } from './en.ts';
import type { Catalogue } from './en.ts';
import type { Locale } from './locales.ts';

export const catalogues: Partial<Record<Locale, Catalogue>> = { en };
