// The few pages oidc-provider itself shows (protocol errors, sign-out confirmation, device code
// entry), rendered in Foyer's hosted layout. The request carries what the page needs (branding,
// language) from oidc.plugin.ts.
import type { IncomingMessage } from 'node:http';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { html, trusted } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import { renderPage } from '../shared/layout.ts';
import type { Branding } from '../shared/layout.ts';
import { translator } from '../../i18n/translate.ts';
import type { Translate } from '../../i18n/translate.ts';

/** `lang` is worked out only when a page is rendered: token and other JSON endpoints never need it. */
type PageContext = { branding: Branding; lang: () => string };
type WithPageContext = IncomingMessage & { foyer?: PageContext };

export function attachPageContext(request: IncomingMessage, context: PageContext): void {
  (request as WithPageContext).foyer = context;
}

function page(ctx: KoaContextWithOIDC, title: (t: Translate) => string, body: (t: Translate) => SafeHtml): void {
  const context = (ctx.req as WithPageContext).foyer ?? { branding: { name: 'Foyer' }, lang: () => 'en' };
  const t = translator(context.lang());
  ctx.type = 'html';
  // Device codes, form secrets and sign-out forms: never kept by a cache.
  ctx.set('cache-control', 'no-store');
  ctx.body = renderPage({ title: title(t), t, branding: context.branding, body: body(t) });
}

export async function renderProtocolError(ctx: KoaContextWithOIDC, out: ErrorOut): Promise<void> {
  page(ctx, (t) => t('page.error.title'), (t) => html`<h1>${t('page.error.heading')}</h1>
<div class="alert" role="alert"><p><strong>${out.error}</strong></p>${out.error_description ? html`<p>${out.error_description}</p>` : ''}</div>
<p>${t('page.error.back')}</p>`);
}

export async function renderLogoutConfirmation(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  page(ctx, (t) => t('page.logout.title'), (t) => html`<h1>${t('page.logout.heading')}</h1>
${trusted(form)}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${t('page.logout.submit')}</button>`);
}

export async function renderLogoutDone(ctx: KoaContextWithOIDC): Promise<void> {
  page(ctx, (t) => t('page.logout.title'), (t) => html`<h1>${t('page.logout.done.heading')}</h1><p>${t('page.logout.done.body')}</p>`);
}

export async function renderDeviceCodeInput(ctx: KoaContextWithOIDC, form: string, _out?: unknown, error?: unknown): Promise<void> {
  page(ctx, (t) => t('page.device.title'), (t) => html`<h1>${t('page.device.heading')}</h1>
${error ? html`<div class="alert" role="alert" id="code-error">${t('page.device.invalid')}</div>` : ''}
${trusted(form)}
<label for="user_code">${t('page.device.code')}</label>
<input id="user_code" type="text" name="user_code" form="op.deviceInputForm" autocomplete="off" autocapitalize="characters" required${error ? trusted(' aria-invalid="true" aria-describedby="code-error"') : ''}>
<button type="submit" form="op.deviceInputForm">${t('page.continue')}</button>`);
}

export async function renderDeviceConfirm(ctx: KoaContextWithOIDC, form: string, client: { clientName?: string; clientId: string }, _deviceInfo: unknown, userCode: string): Promise<void> {
  const app = client.clientName ?? client.clientId;
  page(ctx, (t) => t('page.device.title'), (t) => html`<h1>${t('page.device.confirm.heading', { app })}</h1>
<p>${t('page.device.confirm.body', { code: userCode })}</p>
${trusted(form)}
<button autofocus type="submit" form="op.deviceConfirmForm">${t('page.device.confirm.submit')}</button>
<button class="secondary" type="submit" form="op.deviceConfirmForm" value="yes" name="abort">${t('page.device.confirm.abort')}</button>`);
}

export async function renderDeviceDone(ctx: KoaContextWithOIDC): Promise<void> {
  page(ctx, (t) => t('page.device.title'), (t) => html`<h1>${t('page.device.done.heading')}</h1><p>${t('page.device.done.body')}</p>`);
}
