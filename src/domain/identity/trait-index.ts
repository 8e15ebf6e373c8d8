// What customer search can find by a trait's value: every top-level trait holding a string, a
// number or a boolean, as text folded to lower case, up to TRAIT_INDEX_MAX_LENGTH characters. The
// identity store keeps these in a table of their own (identity_trait_values, migration 0011), so
// that "plan = pro" or a name's first letters are one index range on both engines whatever the
// tenant's schema, instead of a scan of JSON. Objects, arrays and longer values are not searchable.
// The folding is the normalisation of email addresses (identity.ts), so an email trait's value is
// its address: searching emails is searching the email traits.
import type { Traits } from './identity.ts';

/** Longer values stay out of the index (a btree key has a size limit; nobody searches an essay); an email fits. */
export const TRAIT_INDEX_MAX_LENGTH = 254;

/** The text a trait value is searched by, or undefined when it is not searchable. */
function searchableText(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'boolean') text = String(value);
  else return undefined;
  const folded = foldForSearch(text);
  return folded.length > 0 && folded.length <= TRAIT_INDEX_MAX_LENGTH ? folded : undefined;
}

/** How stored values and searched text are compared: trimmed, lower case. */
export function foldForSearch(text: string): string {
  return text.trim().toLowerCase();
}

/** The (name, text) pairs of the traits that are searchable. */
export function searchableTraits(traits: Traits): { readonly name: string; readonly value: string }[] {
  return Object.entries(traits).flatMap(([name, value]) => {
    const text = searchableText(value);
    return text === undefined || name.length > TRAIT_INDEX_MAX_LENGTH ? [] : [{ name, value: text }];
  });
}
