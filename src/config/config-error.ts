/** Settings Foyer cannot start with; the message names each setting and says how to fix it. */
export class ConfigError extends Error {
  /** The first setting at fault (all of them are in the message). */
  readonly setting: string;

  constructor(setting: string, message: string, more: readonly ConfigError[] = []) {
    super([`${setting}: ${message}`, ...more.map((other) => other.message)].join('; '));
    this.name = 'ConfigError';
    this.setting = setting;
  }

  /** One error that reports all of `errors` at once, so an operator fixes everything in one go. */
  static all(errors: readonly ConfigError[]): ConfigError | undefined {
    const [first, ...rest] = errors;
    if (!first) return undefined;
    return rest.length === 0 ? first : new ConfigError(first.setting, first.message.slice(first.setting.length + 2), rest);
  }
}
