// Catalogue messages as customers read them: counts in the plural form of each language (0, 1, 2
// and 5 in all ten), numbers and dates in the language's conventions, every other message exactly
// as plain substitution would fill it (no apostrophe lost to ICU quoting, no brace left over), and
// a call with a missing or wrong value still answers text rather than throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@formatjs/icu-messageformat-parser';
import type { MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { catalogues } from '../../src/i18n/catalogues.ts';
import { LOCALES } from '../../src/i18n/locales.ts';
import type { Locale } from '../../src/i18n/locales.ts';
import { PARSE_OPTIONS } from '../../src/i18n/message-format.ts';
import { translator } from '../../src/i18n/translate.ts';

const WAIT: Readonly<Record<Locale, readonly [string, string, string, string]>> = {
  en: ['Wait 0 seconds,', 'Wait 1 second,', 'Wait 2 seconds,', 'Wait 5 seconds,'],
  de: ['Warten Sie 0 Sekunden', 'Warten Sie 1 Sekunde', 'Warten Sie 2 Sekunden', 'Warten Sie 5 Sekunden'],
  // French and Brazilian Portuguese take the singular for 0 too.
  fr: ['Patientez 0 seconde,', 'Patientez 1 seconde,', 'Patientez 2 secondes,', 'Patientez 5 secondes,'],
  es: ['Espera 0 segundos', 'Espera 1 segundo', 'Espera 2 segundos', 'Espera 5 segundos'],
  'pt-BR': ['Aguarde 0 segundo', 'Aguarde 1 segundo', 'Aguarde 2 segundos', 'Aguarde 5 segundos'],
  it: ['Attendi 0 secondi', 'Attendi 1 secondo', 'Attendi 2 secondi', 'Attendi 5 secondi'],
  nl: ['Wacht 0 seconden', 'Wacht 1 seconde', 'Wacht 2 seconden', 'Wacht 5 seconden'],
  // One form for every count.
  ja: ['0秒待って', '1秒待って', '2秒待って', '5秒待って'],
  'zh-CN': ['请等待0秒后', '请等待1秒后', '请等待2秒后', '请等待5秒后'],
  // Zero, one ("a single second"), two (the dual), few (3–10).
  ar: ['انتظر 0 ثانية،', 'انتظر ثانية واحدة،', 'انتظر ثانيتين،', 'انتظر 5 ثوانٍ،'],
};

for (const locale of LOCALES) {
  test(`${locale}: a throttled sign-in says 0, 1, 2 and 5 seconds in the language's plural forms`, () => {
    const t = translator(locale);
    [0, 1, 2, 5].forEach((seconds, index) => {
      const text = t('signin.throttled', { seconds });
      assert.ok(text.includes(WAIT[locale][index]!), `${locale} ${seconds}: "${text}" should contain "${WAIT[locale][index]}"`);
    });
  });
}

test('Arabic has six forms: 0, 1, 2, 3–10, 11–99 and 100 each read differently where the grammar asks', () => {
  const t = translator('ar');
  const wait = (seconds: number) => t('code.resend_wait', { seconds });
  assert.match(wait(0), /بعد 0 ثانية\.$/);
  assert.match(wait(1), /بعد ثانية واحدة\.$/);
  assert.match(wait(2), /بعد ثانيتين\.$/);
  assert.match(wait(10), /بعد 10 ثوانٍ\.$/);
  assert.match(wait(11), /بعد 11 ثانية\.$/);
  assert.match(wait(100), /بعد 100 ثانية\.$/);
  assert.match(t('password.too_short', { min: 12 }), /^استخدم 12 حرفًا على الأقل\.$/);
  assert.match(t('password.too_short', { min: 8 }), /^استخدم 8 أحرف على الأقل\.$/);
});

test('numbers are written the way each language writes them', () => {
  assert.equal(translator('en')('password.too_long', { max: 1000 }), 'Use at most 1,000 characters.');
  assert.equal(translator('de')('password.too_long', { max: 1000 }), 'Verwenden Sie höchstens 1.000 Zeichen.');
  assert.equal(translator('fr')('password.too_long', { max: 1000 }), 'Utilisez au maximum 1\u202f000 caractères.');
  assert.equal(translator('fr')('password.too_long', { max: 1_000_000 }), 'Utilisez au maximum 1\u202f000\u202f000 de caractères.');
  assert.equal(translator('en')('mail.common.expires', { minutes: 1 }), 'The code and the link work once, and only for the next minute.');
  assert.equal(translator('en')('mail.common.expires', { minutes: 15 }), 'The code and the link work once, and only for the next 15 minutes.');
});

test('dates are written in each language, in UTC', () => {
  const late = Date.UTC(2026, 2, 12, 23, 30);
  assert.equal(translator('en')('account.applications.allowed', { date: late }), 'Allowed on March 12, 2026. It can:');
  assert.equal(translator('de')('account.applications.allowed', { date: new Date(late) }), 'Erlaubt am 12. März 2026. Die Anwendung darf:');
  assert.equal(translator('fr')('account.applications.allowed', { date: late }), 'Autorisée le 12 mars 2026. Elle peut :');
  assert.equal(translator('es')('account.applications.allowed', { date: late }), 'Autorizada el 12 de marzo de 2026. Puede:');
  assert.equal(translator('ja')('account.applications.allowed', { date: late }), '2026年3月12日に許可しました。このアプリでできること：');
});

/** What the old `{name}` substitution made of a message. */
const substituted = (message: string, params: Record<string, string>) => message.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);

const isPlain = (elements: readonly MessageFormatElement[]) => elements.every((element) => element.type <= 1);
const argumentNames = (message: string) => [...new Set([...message.matchAll(/\{(\w+)[,}]/g)].map((match) => match[1]!))];

for (const locale of LOCALES) {
  test(`${locale}: every message renders; plain ones exactly as substitution filled them, counts and dates with nothing left over`, () => {
    const t = translator(locale);
    for (const [key, message] of Object.entries(catalogues[locale] as Record<string, string>)) {
      const names = argumentNames(message);
      if (isPlain(parse(message, PARSE_OPTIONS))) {
        const params = Object.fromEntries(names.map((name) => [name, `‹${name}›`]));
        assert.equal(t(key, params), substituted(message, params), `${locale} ${key}`);
        continue;
      }
      // A select (what a reset removed, a role) is rendered with each of its choices; counts and dates as before.
      const elements = parse(message, PARSE_OPTIONS);
      const selects = new Map(elements.filter((element) => element.type === 5).map((element) => [element.value, Object.keys((element as { options: Record<string, unknown> }).options)]));
      // A message that only chooses words ({role, select, …}) shows no count to check.
      const counts = /,\s*(plural|number)\b/.test(message);
      const choices = selects.size === 0 ? [{}] : [...selects].flatMap(([name, options]) => options.map((option) => ({ [name]: option })));
      for (const choice of choices) {
        for (const count of [0, 1, 2, 5, 11, 100, 1_000_000]) {
          const params = { ...Object.fromEntries(names.map((name) => [name, name === 'date' ? Date.UTC(2026, 0, 31) : count])), ...choice };
          const text = t(key, params);
          assert.doesNotMatch(text, /[{}#]|NaN/, `${locale} ${key} with ${count}: ${text}`);
          if (counts && !names.includes('date')) assert.ok(count <= 2 || text.includes(new Intl.NumberFormat(locale).format(count)), `${locale} ${key} shows ${count}: ${text}`);
        }
      }
    }
  });
}

test('a missing or wrong value renders leniently instead of throwing', () => {
  const t = translator('en');
  assert.equal(t('signin.throttled'), 'Too many attempts. Wait {seconds} seconds, then try again.');
  assert.equal(t('signin.throttled', { seconds: 'soon' }), 'Too many attempts. Wait soon seconds, then try again.');
  assert.equal(t('account.applications.allowed', { date: 'yesterday' }), 'Allowed on yesterday. It can:');
  assert.equal(t('page.signin.heading'), 'Sign in to {app}');
  assert.equal(translator('ar')('signin.throttled', { seconds: Number.NaN }), 'محاولات كثيرة جدًا. انتظر {seconds} ثانية، ثم حاول مرة أخرى.');
  assert.equal(t('no.such.key'), 'no.such.key');
});
