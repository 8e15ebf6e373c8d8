// {issuer}/unsubscribe?token=…: the one-click unsubscribe link (domain/privacy/unsubscribe.ts), no
// sign-in needed. GET shows what the link turns off and a button (mail scanners open links; opening
// changes nothing); POST turns it off, from the button or from a mail client's RFC 8058 one-click
// POST to the same address (`List-Unsubscribe=One-Click`, form-encoded or multipart: the token is
// in the address, the body is not read). The same answer for a link that did something and one
// that had nothing left to turn off; a forged or foreign token gets a 400 page.
import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { unsubscribeByLink, unsubscribeSubjectOf } from '../../domain/privacy/unsubscribe.ts';
import { topicsOf } from '../../domain/privacy/preferences.ts';
import type { Translate } from '../../i18n/translate.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import { requestContextOf } from '../request-context.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { pageTranslator } from '../shared/locale.ts';
import { formOf, parseForm } from '../shared/form.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { unsubscribedPage, unsubscribeQuestionPage } from './pages/unsubscribe.page.ts';

type UnsubscribeDeps = { readonly stores: Stores; readonly transaction: Transaction; readonly key: KeyObject };

export async function unsubscribePlugin(app: FastifyInstance, deps: UnsubscribeDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  // RFC 8058's example posts multipart/form-data: nothing in it is needed.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, _body, done) => done(null, {}));
  const linkDeps = { stores: deps.stores, transaction: deps.transaction, key: deps.key };

  app.get('/unsubscribe', async (request, reply) => {
    const { tenant, t, token } = linkOf(request);
    if (!tenant) return notFound(t, reply);
    const subject = await unsubscribeSubjectOf(linkDeps, tenant, token);
    if (!subject.ok) return invalid(tenant, t, reply);
    const body = unsubscribeQuestionPage(t, { action: `${mountPathOf(tenant)}/unsubscribe`, token, topics: topicNames(tenant, t, subject.topics) });
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.unsubscribe.title'), body });
  });

  app.post('/unsubscribe', async (request, reply) => {
    const { tenant, t, token } = linkOf(request);
    if (!tenant) return notFound(t, reply);
    const done = await unsubscribeByLink(linkDeps, tenant, token, requestContextOf(request));
    if (!done.ok) return invalid(tenant, t, reply);
    const body = unsubscribedPage(t, { topics: topicNames(tenant, t, done.topics), accountUrl: `${mountPathOf(tenant)}/account/privacy` });
    return sendPage(reply, { t, branding: brandingOf(tenant), title: t('page.unsubscribe.title'), body });
  });

  /** The tenant, the page's language, and the token: from the address (the link, a one-click POST) or the page's form. */
  function linkOf(request: FastifyRequest): { tenant: Tenant | undefined; t: Translate; token: string } {
    const tenant = request.tenant ?? undefined;
    const query = request.query as Record<string, unknown>;
    const fromForm = request.method === 'POST' && typeof request.body === 'object' && request.body !== null ? formOf(request.body)['token'] : undefined;
    const token = typeof query['token'] === 'string' ? query['token'] : (fromForm ?? '');
    return { tenant, t: pageTranslator(request, { tenant }), token: token.slice(0, 600) };
  }

  function notFound(t: Translate, reply: FastifyReply) {
    return sendPage(reply, { status: 404, t, branding: { name: 'Foyer' }, title: t('page.error.title'), body: errorBody(t, 'request.invalid') });
  }

  function invalid(tenant: Tenant, t: Translate, reply: FastifyReply) {
    return sendPage(reply, { status: 400, t, branding: brandingOf(tenant), title: t('page.error.title'), body: errorBody(t, 'link.invalid') });
  }
}

/** The topics' names in the page's language (the tenant's default language's, else the id). */
function topicNames(tenant: Tenant, t: Translate, ids: readonly string[]): string[] {
  return topicsOf(tenant, t.locale).filter((topic) => ids.includes(topic.id)).map((topic) => topic.name);
}
