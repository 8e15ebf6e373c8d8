// English wording for the `detail` of API problems: written for the developer reading a response,
// while the customer reads the problem's localized `message` (ICU plurals, src/i18n). A count still
// takes its English plural form there: "Wait 1 second", never "Wait 1 seconds".
const PLURAL = new Intl.PluralRules('en');

/** "Wait 1 second" / "Wait 5 seconds". */
export function waitSeconds(seconds: number): string {
  return `Wait ${seconds} ${PLURAL.select(seconds) === 'one' ? 'second' : 'seconds'}`;
}
