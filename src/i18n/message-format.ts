// One catalogue message in ICU MessageFormat (ADR 0015), compiled once and formatted many times:
// plurals by the language's CLDR rules (Arabic's six forms, Japanese's one), numbers and dates in
// its conventions, through intl-messageformat. Formatting never throws: a page must not become a
// 500 because a caller forgot a value or passed the wrong kind, so such a call is rendered
// leniently instead (a missing value shows as `{name}`, as the old substitution did).
import { IntlMessageFormat } from 'intl-messageformat';
import type { Formats } from 'intl-messageformat';
import { isArgumentElement, isDateElement, isLiteralElement, isNumberElement, isPluralElement, isPoundElement, isSelectElement, isTimeElement } from '@formatjs/icu-messageformat-parser';
import type { MessageFormatElement } from '@formatjs/icu-messageformat-parser';

export type MessageParams = Readonly<Record<string, string | number | Date>>;

export type CompiledMessage = (params?: MessageParams) => string;

/** Dates and times in messages are in UTC, like every time Foyer shows (the pages say so). */
const utc = (options: Intl.DateTimeFormatOptions): Intl.DateTimeFormatOptions => ({ ...options, timeZone: 'UTC' });
const FORMATS: Partial<Formats> = {
  date: {
    short: utc({ year: '2-digit', month: 'numeric', day: 'numeric' }),
    medium: utc({ year: 'numeric', month: 'short', day: 'numeric' }),
    long: utc({ year: 'numeric', month: 'long', day: 'numeric' }),
    full: utc({ year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }),
  },
  time: {
    short: utc({ hour: 'numeric', minute: 'numeric' }),
    medium: utc({ hour: 'numeric', minute: 'numeric', second: 'numeric' }),
  },
};

/** Parser options every catalogue message is read with (tests parse with the same). */
export const PARSE_OPTIONS = { ignoreTag: true, requiresOtherClause: true } as const;

/** Compiles `message` for `locale`; throws on an ICU syntax error (the catalogue tests parse every message). */
export function compileMessage(message: string, locale: string): CompiledMessage {
  const format = new IntlMessageFormat(message, locale, FORMATS, PARSE_OPTIONS);
  const ast = format.getAst();
  if (ast.length === 0) return () => '';
  if (ast.length === 1 && isLiteralElement(ast[0]!)) {
    const text = ast[0].value;
    return () => text;
  }
  const numeric = namesOf(ast, (element) => isPluralElement(element) || isNumberElement(element));
  const temporal = namesOf(ast, (element) => isDateElement(element) || isTimeElement(element));
  const all = namesOf(ast, () => true);
  return (params = {}) => {
    const fits =
      all.every((name) => params[name] !== undefined) &&
      numeric.every((name) => typeof params[name] === 'number' && Number.isFinite(params[name])) &&
      temporal.every((name) => isInstant(params[name]));
    if (fits) {
      try {
        const result = format.format<string>(params);
        return Array.isArray(result) ? result.join('') : result;
      } catch {
        // Falls through: rendered leniently below.
      }
    }
    return renderLeniently(ast, locale, params);
  };
}

function isInstant(value: unknown): boolean {
  return (value instanceof Date && !Number.isNaN(value.getTime())) || (typeof value === 'number' && Number.isFinite(value));
}

/** The names of the arguments (at any depth) whose element passes `wanted`. */
function namesOf(elements: readonly MessageFormatElement[], wanted: (element: MessageFormatElement) => boolean): string[] {
  const names = new Set<string>();
  const visit = (list: readonly MessageFormatElement[]) => {
    for (const element of list) {
      if (!isLiteralElement(element) && !isPoundElement(element) && wanted(element)) names.add(element.value);
      if (isPluralElement(element) || isSelectElement(element)) for (const option of Object.values(element.options)) visit(option.value);
    }
  };
  visit(elements);
  return [...names];
}

/** The message with what the caller gave: values as they are, a missing or unusable one as `{name}`, a count that is no number choosing `other`. */
function renderLeniently(elements: readonly MessageFormatElement[], locale: string, params: MessageParams, pound?: string): string {
  const shown = (name: string) => {
    const value = params[name];
    const unusable = value === undefined || (typeof value === 'number' && !Number.isFinite(value)) || (value instanceof Date && Number.isNaN(value.getTime()));
    return unusable ? `{${name}}` : String(value);
  };
  return elements
    .map((element) => {
      if (isLiteralElement(element)) return element.value;
      if (isPoundElement(element)) return pound ?? '#';
      if (isArgumentElement(element) || isNumberElement(element) || isDateElement(element) || isTimeElement(element)) return shown(element.value);
      if (isSelectElement(element)) {
        const option = element.options[String(params[element.value])] ?? element.options['other'];
        return option ? renderLeniently(option.value, locale, params, pound) : '';
      }
      if (isPluralElement(element)) {
        const count = params[element.value];
        const rule = typeof count === 'number' && Number.isFinite(count) ? new Intl.PluralRules(locale, { type: element.pluralType }).select(count - element.offset) : 'other';
        const option = (typeof count === 'number' ? element.options[`=${count}`] : undefined) ?? element.options[rule] ?? element.options['other'];
        return option ? renderLeniently(option.value, locale, params, shown(element.value)) : '';
      }
      return '';
    })
    .join('');
}
