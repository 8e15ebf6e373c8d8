// A scripted browser for protocol tests: a cookie jar over fetch that follows redirects itself, reads
// the hosted forms (sign-in, sign-up, consent, oidc-provider's device and logout forms) with small
// regexes and posts them, and stops where a real browser would hand over to the application: at a
// redirect that leaves the server's origin (the client's redirect_uri). One session talks to one
// Foyer origin, so its jar keys cookies by name and path only.
import type { Mailbox } from './mailbox.ts';
import { codeIn } from './mailbox.ts';

export type Credentials = { readonly email: string; readonly password: string; readonly name?: string };

/** A page the server answered with, or the redirect to another origin that ended the navigation. */
export type Page = {
  readonly url: URL;
  readonly status: number;
  readonly html: string;
  /** The final response's headers. */
  readonly headers?: Headers;
  /** Set when the server redirected out of its origin (to the application): navigation stops there. */
  readonly redirectedTo?: URL;
};

export type Form = { readonly id: string | undefined; readonly action: URL; readonly method: string; readonly fields: Record<string, string> };

type StoredCookie = { name: string; value: string; path: string };

const MAX_REDIRECTS = 20;
const MAX_STEPS = 10;

export type BrowserSession = ReturnType<typeof createBrowserSession>;

export type BrowserSessionOptions = {
  /** Where the server's emails arrive: sign-up asks for the emailed code. */
  readonly mailbox?: Mailbox | undefined;
  /** The browser's Accept-Language header. */
  readonly acceptLanguage?: string | undefined;
  /** More headers every request carries (a user agent, `Sec-GPC: 1`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
};

export function createBrowserSession(options: BrowserSessionOptions = {}) {
  const jar = new Map<string, StoredCookie>();

  function cookieHeader(url: URL): string {
    // Longest path first, as browsers send them: the most specific interaction cookie wins.
    const matching = [...jar.values()].filter((cookie) => pathMatches(url.pathname, cookie.path)).sort((a, b) => b.path.length - a.path.length);
    return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  function store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path') path = attributeValue;
        if (lower === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) jar.delete(key);
      else jar.set(key, { name, value, path });
    }
  }

  /** One HTTP exchange with the jar's cookies; no redirect is followed. */
  async function exchange(url: URL, init: { method?: string; body?: URLSearchParams } = {}): Promise<Response> {
    const headers = new Headers({ accept: 'text/html', ...options.headers });
    if (options.acceptLanguage) headers.set('accept-language', options.acceptLanguage);
    const cookies = cookieHeader(url);
    if (cookies) headers.set('cookie', cookies);
    const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    store(url, response);
    return response;
  }

  /** Requests `url` and follows redirects within its origin, as a browser would. */
  async function open(target: string | URL, init: { method?: string; body?: URLSearchParams } = {}): Promise<Page> {
    let url = new URL(target);
    let response = await exchange(url, init);
    for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        return { url, status: response.status, html: await response.text(), headers: response.headers };
      }
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== url.origin) return { url, status: response.status, html: '', redirectedTo: next };
      url = next;
      response = await exchange(url);
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${String(target)}`);
  }

  /** Posts a form with its hidden fields and `fields` on top. */
  function submit(form: Form, fields: Record<string, string> = {}): Promise<Page> {
    return open(form.action, { method: form.method, body: new URLSearchParams({ ...form.fields, ...fields }) });
  }

  /** Fills the sign-up form (switching to it from sign-in) or the sign-in form, once. */
  async function authenticate(page: Page, credentials: Credentials, signUp: boolean): Promise<Page> {
    const { email, password, name } = credentials;
    if (!signUp) return submit(requireForm(page, isAction('/signin')), { email, password });
    const signUpPage = findForm(page, isAction('/signup')) ? page : await open(`${page.url.origin}${page.url.pathname}?screen=signup`);
    const seen = await options.mailbox?.lastId(email.toLowerCase());
    const codePage = await submit(requireForm(signUpPage, isAction('/signup')), { email, password, ...(name ? { name } : {}) });
    const codeForm = findForm(codePage, isAction('/code'));
    if (!codeForm) return codePage;
    if (!options.mailbox) throw new Error('sign-up asks for the emailed code: create the browser session with { mailbox: server.mailbox }');
    const mail = await options.mailbox.next(email.toLowerCase(), 'verify_email', seen);
    return submit(codeForm, { code: codeIn(mail) });
  }

  /**
   * Walks the hosted pages until the server redirects to the application, filling what appears:
   * sign-up or sign-in (once, when credentials are given), consent (when `consent`). Returns the
   * first page it was not asked to fill, so a test sees an unexpected form rather than a silent pass.
   */
  async function drive(start: Page, options: { credentials?: Credentials; signUp?: boolean; consent?: boolean }): Promise<Page> {
    let page = start;
    let authenticated = false;
    for (let step = 0; step < MAX_STEPS; step += 1) {
      if (page.redirectedTo) return page;
      const asksCredentials = findForm(page, isAction('/signin')) ?? findForm(page, isAction('/signup'));
      const consentForm = findForm(page, isAction('/consent'));
      if (asksCredentials && options.credentials && !authenticated) {
        authenticated = true;
        page = await authenticate(page, options.credentials, options.signUp ?? false);
      } else if (consentForm && options.consent) {
        page = await submit(consentForm);
      } else {
        return page;
      }
    }
    throw new Error(`no redirect to the application after ${MAX_STEPS} pages`);
  }

  /** Opens an authorization URL and returns where the server finally sends the browser back to the application. */
  async function finishAt(authorizationUrl: string | URL, options: { credentials?: Credentials; signUp?: boolean; consent?: boolean }): Promise<URL> {
    const page = await drive(await open(authorizationUrl), options);
    if (!page.redirectedTo) throw new Error(`expected a redirect to the application, got ${page.status} at ${page.url.pathname}: ${textOf(page.html).slice(0, 300)}`);
    return page.redirectedTo;
  }

  return {
    open,
    submit,
    drive,
    /** Creates an account on the sign-up page, consents if asked, and returns the redirect to the application. */
    signUpAndAuthorize: (authorizationUrl: string | URL, credentials: Credentials) => finishAt(authorizationUrl, { credentials, signUp: true, consent: true }),
    /** Signs in with a password, consents if asked, and returns the redirect to the application. */
    signInAndAuthorize: (authorizationUrl: string | URL, credentials: Credentials) => finishAt(authorizationUrl, { credentials, consent: true }),
    /**
     * Single sign-on: the existing session must carry the browser straight back to the
     * application. Any form (even consent, unless `consent`) fails the call.
     */
    authorize: (authorizationUrl: string | URL, options: { consent?: boolean } = {}) => finishAt(authorizationUrl, { consent: options.consent ?? false }),
    /** The Cookie header this browser sends to `url` (to replay its session in other requests). */
    cookiesFor: (url: string | URL) => cookieHeader(new URL(url)),
    /** Sets a cookie as the page's own script would (document.cookie). */
    setCookie: (name: string, value: string, path = '/') => void jar.set(`${name};${path}`, { name, value, path }),
    /** Names of the cookies held, for assertions on what the server set or cleared. */
    cookieNames: () => [...new Set([...jar.values()].map((cookie) => cookie.name))],
  };
}

/** Every form of the page, with its hidden inputs; relative actions resolved against the page. */
export function formsOf(page: Page): Form[] {
  const forms: Form[] = [];
  for (const match of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = attributesOf(match[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const inputAttributes = attributesOf(input[1] ?? '');
      if (inputAttributes['type'] === 'hidden' && inputAttributes['name']) fields[inputAttributes['name']] = inputAttributes['value'] ?? '';
    }
    forms.push({ id: attributes['id'], action: new URL(attributes['action'] ?? page.url.href, page.url), method: (attributes['method'] ?? 'get').toUpperCase(), fields });
  }
  return forms;
}

/** Matches a hosted form by the last segment of its action (signin, signup, consent, abort). */
export function isAction(suffix: string): (form: Form) => boolean {
  return (form) => form.action.pathname.endsWith(suffix);
}

export function findForm(page: Page, predicate: (form: Form) => boolean): Form | undefined {
  return formsOf(page).find(predicate);
}

export function requireForm(page: Page, predicate: (form: Form) => boolean): Form {
  const form = findForm(page, predicate);
  if (!form) throw new Error(`the page at ${page.url.pathname} (${page.status}) has no such form: ${textOf(page.html).slice(0, 300)}`);
  return form;
}

/** The page's visible text, whitespace collapsed: for assertions and error messages. */
export function textOf(html: string): string {
  return decodeEntities(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

function attributesOf(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attributes[match[1]!.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return named[entity.toLowerCase()] ?? whole;
  });
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
