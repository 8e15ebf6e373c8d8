// Passkeys in the account portal, at {issuer}/account/passkeys (ADR 0030): the customer's passkeys
// (name, when added and last used, synced or not), adding one (the browser's ceremony, which needs
// JavaScript: the page says so without it), renaming and removing. Adding and removing need a recent
// sign-in (SECURITY.md 16); what each does is domain/account/passkeys.ts.
import type { Identity } from '../../domain/identity/identity.ts';
import { passkeysAllowed } from '../../domain/credentials/passkey/passkey.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Stores } from '../../domain/unit-of-work.ts';
import type { Strategies } from '../../domain/credentials/strategies.ts';
import { beginPasskeyEnrolment, completePasskeyEnrolment, listPasskeys, removePasskey, renamePasskey } from '../../domain/account/passkeys.ts';
import { DomainError } from '../../domain/errors.ts';
import { html } from '../../lib/html.ts';
import { formOf, parseForm } from '../shared/form.ts';
import type { FieldError } from '../shared/form-fields.ts';
import { alertBox } from '../shared/form-fields.ts';
import { brandingOf, errorBody, sendPage } from '../shared/respond.ts';
import { registerPageErrors } from '../shared/page-errors.ts';
import { refusalFieldError, refusalStatus } from '../refusal.ts';
import { mountPathOf } from '../tenancy/mount.ts';
import type { Portal } from './portal-session.ts';
import { hasValidCsrf, portalBase, portalOf } from './portal-session.ts';
import { redirectAfterChange, sendPortalPage } from './portal-page.ts';
import { passkeysPage } from './pages/passkeys.page.ts';
import { passkeyRegistration } from '../hosted/pages/passkey.page.ts';
import { passkeyScriptPaths } from '../hosted/passkey-assets.plugin.ts';

type PasskeyPortalDeps = {
  readonly stores: Stores;
  readonly strategies: Strategies;
  readonly publicUrl: string;
  readonly masterSecret: string;
};

export async function passkeyPortalPlugin(app: FastifyInstance, deps: PasskeyPortalDeps): Promise<void> {
  registerPageErrors(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, parseForm);
  const sessionDeps = { identities: deps.stores.identities, artifacts: deps.stores.oidcArtifacts, publicUrl: deps.publicUrl, masterSecret: deps.masterSecret };
  const account = { stores: deps.stores, strategies: deps.strategies };

  app.get('/account/passkeys', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply);
    if (!portal) return reply;
    const base = `${portal.base}/passkeys`;
    const addUrl = passkeysAllowed(portal.tenant) ? `${base}/new` : undefined;
    const body = passkeysPage(portal.t, { passkeys: await listPasskeys(account, portal.customer), csrfToken: portal.csrfToken, addUrl, renameAction: `${base}/rename`, removeAction: `${base}/remove` });
    return sendPortalPage(reply, portal, 'passkeys', body);
  });
  app.get('/account/passkeys/new', async (request, reply) => {
    const portal = await portalOf(sessionDeps, request, reply, { recent: true });
    return portal ? showRegistration(portal, reply) : reply;
  });
  app.post('/account/passkeys/new', (request, reply) =>
    change(request, reply, { recent: true, returnTo: 'passkeys/new' }, async (portal, form) => {
      const added = await completePasskeyEnrolment(account, portal.customer, { response: form['response'] ?? '', enrolment: form['enrolment'] ?? '', name: form['name'] });
      if (!added.ok) return showRegistration(portal, reply, refusalFieldError(added, reply), refusalStatus(added));
      return redirectAfterChange(reply, portal, 'passkeys', 'passkey_added');
    }),
  );
  app.post('/account/passkeys/rename', (request, reply) =>
    change(request, reply, { recent: false }, async (portal, form) => {
      await renamePasskey(account, portal.customer, form['id'] ?? '', form['name'] ?? '').catch(ignoreNotFound);
      return redirectAfterChange(reply, portal, 'passkeys', 'passkey_renamed');
    }),
  );
  app.post('/account/passkeys/remove', (request, reply) =>
    change(request, reply, { recent: true, secondFactor: true }, async (portal, form) => {
      await removePasskey(account, portal.customer, form['id'] ?? '').catch(ignoreNotFound);
      return redirectAfterChange(reply, portal, 'passkeys', 'passkey_removed');
    }),
  );

  /** A POST: signed in (recently when asked, and with a second factor when the customer has one and `secondFactor`), the CSRF token right. */
  async function change(request: FastifyRequest, reply: FastifyReply, options: { recent: boolean; secondFactor?: boolean; returnTo?: string }, handle: (portal: Portal, form: Record<string, string>) => Promise<unknown>) {
    const tenant = request.tenant;
    const returnTo = tenant ? `${portalBase(tenant)}/${options.returnTo ?? 'passkeys'}` : undefined;
    const secondFactor = (identity: Identity) => (tenant ? deps.strategies.hasSecondFactor(tenant, identity.id) : Promise.resolve(false));
    const portal = await portalOf(sessionDeps, request, reply, { recent: options.recent, returnTo, ...(options.secondFactor ? { secondFactor } : {}) });
    if (!portal) return reply;
    const form = formOf(request.body);
    if (!hasValidCsrf(portal, form)) {
      return sendPage(reply, { status: 403, t: portal.t, branding: brandingOf(portal.tenant), title: portal.t('page.error.title'), body: errorBody(portal.t, 'account.csrf'), here: portal.base, wide: true });
    }
    return handle(portal, form);
  }

  async function showRegistration(portal: Portal, reply: FastifyReply, error?: FieldError, status = 200) {
    const t = portal.t;
    if (!passkeysAllowed(portal.tenant)) return sendPortalPage(reply, portal, 'passkeys', errorBody(t, 'passkey.disabled'), { status: 403, title: t('account.passkeys.add') });
    const offer = await beginPasskeyEnrolment(account, portal.customer, portal.identity);
    const form = passkeyRegistration(t, {
      action: `${portal.base}/passkeys/new`,
      hidden: { csrf_token: portal.csrfToken },
      options: offer.options,
      enrolment: offer.enrolment,
      label: t('account.passkeys.add'),
      nameField: true,
      scripts: passkeyScriptPaths(mountPathOf(portal.tenant)),
    });
    const body = html`<h1>${t('account.passkeys.add')}</h1>
${alertBox(t, error)}
<p>${t('account.passkeys.intro')}</p>
${form}
<p><a href="${portal.base}/passkeys">${t('page.passkey_offer.skip')}</a></p>`;
    return sendPortalPage(reply, portal, 'passkeys', body, { status, title: t('account.passkeys.add'), scripts: true });
  }
}

function ignoreNotFound(error: unknown): void {
  // Removed already (another tab): the page shows how things are now.
  if (!(error instanceof DomainError && error.kind === 'not_found')) throw error;
}
