// The guard of the admin tenant's pages reached by a link in an email (the first-run setup, a staff
// invitation): a double-submit check against cross-site posts. Opening the link sets a random cookie
// scoped to the page's path; the form carries an HMAC of that cookie and the link's token, under a
// key derived from the master secret for this page alone; a post is taken only when the two agree.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomString } from '../../lib/random.ts';

type LinkFormGuard = {
  /** Sets a new cookie; the form field that goes with it and this link's token. */
  issue(reply: FastifyReply, token: string): string;
  /** The form field again (a form shown anew after a refusal), or undefined when the post's cookie and field disagree. */
  check(request: FastifyRequest, token: string, field: string | undefined): string | undefined;
  /** Clears the cookie once the link is spent. */
  clear(reply: FastifyReply): void;
};

export function createLinkFormGuard(options: { readonly masterSecret: string; readonly cookie: string; readonly path: string; readonly salt: string; readonly info: string; readonly secure: boolean }): LinkFormGuard {
  const key = Buffer.from(hkdfSync('sha256', options.masterSecret, options.salt, options.info, 32));
  const fieldOf = (cookie: string, token: string) => createHmac('sha256', key).update(`${cookie}\n${token}`).digest('base64url');
  const header = (value: string, extra = '') => `${options.cookie}=${value}; Path=${options.path}; HttpOnly; SameSite=Strict${extra}${options.secure ? '; Secure' : ''}`;
  const cookieOf = (request: FastifyRequest) => {
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === options.cookie && value.length > 0) return value.join('=') || undefined;
    }
    return undefined;
  };
  return {
    issue(reply, token) {
      const cookie = randomString(32, 'base64url');
      reply.header('set-cookie', header(cookie));
      return fieldOf(cookie, token);
    },
    check(request, token, field) {
      const cookie = cookieOf(request);
      if (!token || !cookie || field === undefined) return undefined;
      const expected = fieldOf(cookie, token);
      const [given, wanted] = [Buffer.from(field), Buffer.from(expected)];
      return given.length === wanted.length && timingSafeEqual(given, wanted) ? expected : undefined;
    },
    clear(reply) {
      reply.header('set-cookie', header('', '; Max-Age=0'));
    },
  };
}
