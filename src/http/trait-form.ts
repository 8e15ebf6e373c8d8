// How the hosted pages and the JSON flows API present the tenant's traits to a customer, in their
// language: a trait's label (the schema's title for that language, else Foyer's own text for the
// traits it knows, else the trait's name), its choices, and the message of each problem with it.
import type { FieldProblem } from '../domain/errors.ts';
import type { TraitField } from '../domain/identity/trait-fields.ts';
import { optionTitleOf, traitTitleOf } from '../domain/identity/trait-fields.ts';
import type { Translate } from '../i18n/translate.ts';

export function traitLabelOf(t: Translate, field: TraitField): string {
  const titled = traitTitleOf(field, t.locale);
  if (titled) return titled;
  const key = `field.${field.name}`;
  const own = t(key);
  return own === key ? field.name : own;
}

export function traitChoicesOf(t: Translate, field: TraitField): { value: string; label: string }[] {
  return field.options.map((option) => ({ value: String(option), label: optionTitleOf(field, option, t.locale) }));
}

/**
 * The message key and parameters of a problem, as specific as Foyer has words for: a type error on
 * a number reads "Enter a number", a bad date "Enter a date".
 */
export function problemMessageOf(problem: FieldProblem): { code: string; params: Record<string, string | number> } {
  const params = problem.params ?? {};
  if (problem.code === 'field.type' && (params['type'] === 'number' || params['type'] === 'integer')) return { code: `field.type_${params['type']}`, params };
  if (problem.code === 'field.format' && params['format'] === 'date') return { code: 'field.format_date', params };
  return { code: problem.code, params };
}

/** The problem with its message in the customer's language (the English one when Foyer has none for its code). */
export function localizedProblem(t: Translate, problem: FieldProblem): FieldProblem {
  const { code, params } = problemMessageOf(problem);
  const text = t(code, params);
  return { ...problem, message: text === code ? problem.message : text };
}
