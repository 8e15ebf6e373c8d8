// Proof that an emailed link is opened in the browser that asked for it: the code page sets a
// cookie holding the flow's CSRF token, sent only to the link's page (/verify for an address,
// /recovery for a password, /signin-link for a sign-in without one). The same browser may then finish its sign-in from the link; any other
// browser only verifies the address or sets the password, so a link forwarded to (or clicked by)
// someone else never signs anyone in.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Flow } from '../../domain/flows/flow.ts';

const COOKIE = 'foyer_verify';
const LIFETIME_SECONDS = 30 * 60;

export function bindBrowser(reply: FastifyReply, mountPath: string, flow: Flow, secure: boolean): void {
  const value = `${flow.id}~${flow.csrfToken}`;
  const page = flow.type === 'recovery' ? 'recovery' : flow.type === 'email_sign_in' ? 'signin-link' : 'verify';
  reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(value)}; Path=${mountPath}/${page}; Max-Age=${LIFETIME_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
}

export function isBoundBrowser(request: FastifyRequest, flow: Flow): boolean {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== COOKIE) continue;
    let value: string;
    try {
      value = decodeURIComponent(rest.join('='));
    } catch {
      return false;
    }
    const expected = Buffer.from(`${flow.id}~${flow.csrfToken}`);
    const given = Buffer.from(value);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
  return false;
}
