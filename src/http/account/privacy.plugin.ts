// Consents and communication preferences in the account portal, at {issuer}/account/privacy
// (issue 15, docs/consent.md): the tenant's purposes (optional ones granted or withdrawn by a box,
// each change a ledger record, `account_page`, with Sec-GPC) and the channels per topic. The same
// use cases as the Account API (domain/privacy). Forms need the CSRF token, not a recent sign-in:
// withdrawing must be as easy as granting (GDPR Art. 7(3)).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores, Transaction } from '../../domain/unit-of-work.ts';
import { changeConsents, consentsOf } from '../../domain/privacy/ledger.ts';
import { offersOf } from '../../domain/privacy/collection.ts';
import { changePreferences, preferencesOf } from '../../domain/privacy/preferences.ts';
import { formOf, parseForm } from '../shared/form.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { acceptanceOf, purposeFields } from '../shared/purpose-fields.ts';
import { consentContextOf, gpcOf } from '../request-context.ts';
import { ACCOUNT_CLIENT_ID } from '../oidc/account-client.ts';
import type { Portal } from './portal-session.ts';
import { hasValidCsrf, portalBase, portalOf } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { privacyPage } from './pages/privacy.page.ts';

type PrivacyPortalDeps = { readonly stores: Stores; readonly transaction: Transaction; readonly publicUrl: string; readonly masterSecret: string };

export async function privacyPortalPlugin(app: FastifyInstance, deps: PrivacyPortalDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.stores.identities, artifacts: deps.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };

  app.get('/account/privacy', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply);
    return portal ? show(portal, request, reply) : reply;
  });

  app.post('/account/privacy/consents', (request, reply) =>
    change(request, reply, async (portal, form) => {
      const ticked = acceptanceOf(form);
      const optional = (await deps.stores.purposes.list(portal.tenant.id)).filter((purpose) => purpose.kind === 'optional');
      const choices = optional.map((purpose) => ({ purposeId: purpose.id, granted: ticked[purpose.id] !== undefined }));
      const context = consentContextOf(request, 'account_page', ACCOUNT_CLIENT_ID);
      await changeConsents(deps, portal.tenant, portal.identity.id, choices, { locale: portal.t.locale, context });
      return redirectAfterChange(reply, portal, 'privacy', 'consents');
    }),
  );

  app.post('/account/privacy/preferences', (request, reply) =>
    change(request, reply, async (portal, form) => {
      const { topics } = await preferencesOf(deps.stores, portal.tenant, portal.identity.id, portal.t.locale);
      // Every box of the form: an unticked one sends nothing, which is a no.
      const choices = Object.fromEntries(topics.flatMap((topic) => (['email', 'sms', 'push'] as const).map((channel) => [`${topic.id}.${channel}`, form[`pref.${topic.id}.${channel}`] === 'true'])));
      await changePreferences(deps, portal.tenant, portal.identity.id, choices, { type: 'customer', id: portal.identity.id, context: portal.customer.context });
      return redirectAfterChange(reply, portal, 'privacy', 'preferences');
    }),
  );

  async function show(portal: Portal, request: FastifyRequest, reply: FastifyReply) {
    const t = portal.t;
    const [standing, preferences] = await Promise.all([consentsOf(deps.stores, portal.tenant.id, portal.identity.id), preferencesOf(deps.stores, portal.tenant, portal.identity.id, t.locale)]);
    const offers = offersOf(portal.tenant, standing.map((entry) => entry.purpose), t.locale);
    const grantedVersion = new Map(standing.map((entry) => [entry.purpose.id, entry.grantedVersion]));
    const optionalOffers = offers.filter((offer) => !offer.required);
    const checked = Object.fromEntries(optionalOffers.map((offer) => [offer.id, grantedVersion.get(offer.id) !== null]));
    const gpc = gpcOf(request);
    const optional = purposeFields(t, { offers: optionalOffers, checked, errors: {}, gpc, legend: t('account.privacy.optional') });
    const required = offers.filter((offer) => offer.required).map((offer) => ({ ...offer, acceptedVersion: grantedVersion.get(offer.id) ?? null }));
    const body = privacyPage(t, {
      csrfToken: portal.csrfToken,
      consentsAction: `${portal.base}/privacy/consents`,
      preferencesAction: `${portal.base}/privacy/preferences`,
      optional,
      required,
      hasOptional: optionalOffers.length > 0,
      gpcHonoured: gpc && optionalOffers.some((offer) => offer.saleOrSharing),
      topics: preferences.topics,
    });
    return sendPortalPage(reply, portal, 'privacy', body);
  }

  /** A POST: signed in and the CSRF token right. */
  async function change(request: FastifyRequest, reply: FastifyReply, handle: (portal: Portal, form: Record<string, string>) => Promise<unknown>) {
    const tenant = request.tenant;
    const portal = await portalOf(sessionDeps, request, reply, { returnTo: tenant ? `${portalBase(tenant)}/privacy` : undefined });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) {
      return sendPage(reply, { status: 403, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, 'account.csrf'), here: portal.base, wide: true });
    }
    return handle(portal, form);
  }
}
