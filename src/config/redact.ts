/** Shows a connection URL in messages and logs without its password. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '(unparseable URL)';
  }
}
