// Tenant settings (`tenants:write`): name and branding with a live preview of the hosted sign-in
// page, the default language, the sign-up policy (sign-in before verification, sign-in by emailed
// code), the mail sender, and the trait schema as JSON with a preview of the sign-up and profile
// forms it makes. Saved as one JSON Merge Patch of { name, settings }; the API validates the whole.
// Platform owners also create tenants here.
import { useState } from 'react';
import type { CSSProperties, FormEvent } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { Loaded, useLoad } from '../load.tsx';
import { fieldsOf, formValuesOf } from '../lib/trait-form.ts';
import type { TraitSchema } from '../lib/trait-form.ts';
import { TraitInputs } from './trait-fields.tsx';
import { ApiProblem } from './customers.tsx';

const LOCALES = ['en', 'de', 'fr', 'es', 'pt-BR', 'it', 'nl', 'ja', 'zh-CN', 'ar'];
type Settings = {
  branding?: { name?: string; logoUrl?: string; primaryColor?: string };
  defaultLocale?: string;
  identitySchema?: TraitSchema;
  mail?: { from?: string; replyTo?: string };
  verification?: { allowSignInUnverified?: boolean };
  passwordless?: { email?: boolean };
};
type Tenant = { slug: string; name: string; issuer: string; settings: Settings };

export default function SettingsPage() {
  const { t } = useI18n();
  const { api, tenant } = useSession();
  const current = useLoad(() => api.get<Tenant>(`/tenants/${encodeURIComponent(tenant ?? '')}`), [tenant]);
  if (!tenant) return <p className="empty">{t('dash.no_tenant')}</p>;
  return (
    <section>
      <h1>{t('settings.heading')}</h1>
      <Loaded load={current}>{(data) => <SettingsForm key={`${data.slug}`} tenant={data} onSaved={current.reload} />}</Loaded>
      <NewTenant />
    </section>
  );
}

/** A readable text colour on `hex`: black or white, whichever contrasts more (as the hosted pages do). */
function inkOn(hex: string): string {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match) return '#fff';
  const [r, g, b] = [0, 2, 4].map((at) => parseInt(match[1]!.slice(at, at + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000' : '#fff';
}

function SettingsForm({ tenant, onSaved }: { tenant: Tenant; onSaved: () => void }) {
  const { t, language } = useI18n();
  const { api } = useSession();
  const s = tenant.settings;
  const [name, setName] = useState(tenant.name);
  const [brandName, setBrandName] = useState(s.branding?.name ?? '');
  const [logoUrl, setLogoUrl] = useState(s.branding?.logoUrl ?? '');
  const [colour, setColour] = useState(s.branding?.primaryColor ?? '#2450b2');
  const [locale, setLocale] = useState(s.defaultLocale ?? 'en');
  const [unverified, setUnverified] = useState(s.verification?.allowSignInUnverified ?? true);
  const [emailCode, setEmailCode] = useState(s.passwordless?.email ?? true);
  const [from, setFrom] = useState(s.mail?.from ?? '');
  const [replyTo, setReplyTo] = useState(s.mail?.replyTo ?? '');
  const [schemaText, setSchemaText] = useState(s.identitySchema ? JSON.stringify(s.identitySchema, null, 2) : '');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');

  let schema: TraitSchema | undefined;
  let schemaProblem = '';
  try {
    schema = schemaText.trim() ? (JSON.parse(schemaText) as TraitSchema) : undefined;
  } catch (caught) {
    schemaProblem = caught instanceof Error ? caught.message : String(caught);
  }
  const fields = fieldsOf(schema, language);
  const signUpFields = fields.filter((field) => field.required && field.name !== 'locale');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (schemaProblem) return;
    const mail = from || replyTo ? { from: from || null, replyTo: replyTo || null } : null;
    const branding = brandName || logoUrl || colour ? { name: brandName || null, logoUrl: logoUrl || null, primaryColor: colour || null } : null;
    const settings = { branding, defaultLocale: locale, verification: { allowSignInUnverified: unverified }, passwordless: { email: emailCode }, mail, identitySchema: schema ?? null };
    setError(undefined);
    api.send('PATCH', `/tenants/${encodeURIComponent(tenant.slug)}`, { name, settings }).then(() => { setNotice(t('settings.saved')); onSaved(); }, setError);
  };
  const previewStyle = { '--brand': colour, '--brand-ink': inkOn(colour) } as CSSProperties;
  return (
    <form onSubmit={submit} noValidate>
      <p className="notice-line" role="status">{notice}</p>
      {error !== undefined && <ApiProblem error={error} />}
      <div className="settings-grid">
        <div>
          <h2>{t('settings.branding')}</h2>
          <div className="field"><label htmlFor="tenant-name">{t('settings.tenant_name')}</label><input id="tenant-name" value={name} onChange={(event) => setName(event.target.value)} /></div>
          <div className="field"><label htmlFor="brand-name">{t('settings.brand_name')}</label><input id="brand-name" value={brandName} onChange={(event) => setBrandName(event.target.value)} /></div>
          <div className="field"><label htmlFor="brand-logo">{t('settings.logo')}</label><input id="brand-logo" type="url" value={logoUrl} onChange={(event) => setLogoUrl(event.target.value)} placeholder="https://…" /></div>
          <div className="field"><label htmlFor="brand-colour">{t('settings.colour')}</label><input id="brand-colour" type="color" value={colour} onChange={(event) => setColour(event.target.value)} /></div>
        </div>
        <figure className="preview" style={previewStyle} aria-labelledby="preview-caption">
          <figcaption id="preview-caption">{t('settings.preview')}</figcaption>
          <div className="preview-page" data-preview>
            {logoUrl ? <img src={logoUrl} alt="" className="preview-logo" /> : null}
            <p className="preview-brand">{brandName || name}</p>
            <p className="preview-title">{t('settings.preview_sign_in')}</p>
            <span className="preview-input">{t('customers.email')}</span>
            <span className="preview-input">{t('settings.preview_password')}</span>
            <span className="preview-button">{t('settings.preview_sign_in')}</span>
          </div>
        </figure>
      </div>
      <h2>{t('settings.languages')}</h2>
      <div className="field"><label htmlFor="default-locale">{t('settings.default_locale')}</label><select id="default-locale" value={locale} onChange={(event) => setLocale(event.target.value)}>{LOCALES.map((code) => <option key={code} value={code}>{code}</option>)}</select></div>
      <h2>{t('settings.signup')}</h2>
      <div className="field checkbox"><label htmlFor="allow-unverified">{t('settings.allow_unverified')}</label><input id="allow-unverified" type="checkbox" checked={unverified} onChange={(event) => setUnverified(event.target.checked)} /></div>
      <div className="field checkbox"><label htmlFor="email-code">{t('settings.email_code')}</label><input id="email-code" type="checkbox" checked={emailCode} onChange={(event) => setEmailCode(event.target.checked)} /></div>
      <h2>{t('settings.mail')}</h2>
      <div className="field"><label htmlFor="mail-from">{t('settings.mail_from')}</label><input id="mail-from" value={from} onChange={(event) => setFrom(event.target.value)} placeholder="Acme <no-reply@acme.example>" /></div>
      <div className="field"><label htmlFor="mail-reply">{t('settings.mail_reply')}</label><input id="mail-reply" value={replyTo} onChange={(event) => setReplyTo(event.target.value)} /></div>
      <h2>{t('settings.schema')}</h2>
      <div className="settings-grid">
        <div className="field">
          <label htmlFor="trait-schema">{t('settings.schema_json')}</label>
          <textarea id="trait-schema" rows={16} className="code" value={schemaText} onChange={(event) => setSchemaText(event.target.value)} aria-invalid={schemaProblem ? true : undefined} aria-describedby="trait-schema-hint" spellCheck={false} />
          <span className="hint" id="trait-schema-hint">{schemaProblem ? t('settings.schema_invalid', { detail: schemaProblem }) : t('settings.schema_hint')}</span>
        </div>
        <div>
          <h3>{t('settings.preview_signup')}</h3>
          <fieldset className="preview-form" disabled><legend className="visually-hidden">{t('settings.preview_signup')}</legend><TraitInputs fields={signUpFields} values={formValuesOf(signUpFields, {})} problems={[]} onChange={() => {}} idPrefix="preview-signup" /></fieldset>
          <h3>{t('settings.preview_profile')}</h3>
          <fieldset className="preview-form" disabled><legend className="visually-hidden">{t('settings.preview_profile')}</legend><TraitInputs fields={fields} values={formValuesOf(fields, {})} problems={[]} onChange={() => {}} idPrefix="preview-profile" /></fieldset>
        </div>
      </div>
      <button type="submit" className="primary" disabled={schemaProblem !== ''}>{t('settings.save')}</button>
    </form>
  );
}

function NewTenant() {
  const { t } = useI18n();
  const { api, can, caller } = useSession();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  if (!can('tenants:write') || caller.tenant !== null) return null;
  return (
    <form onSubmit={(event) => { event.preventDefault(); setError(undefined); api.send('POST', '/tenants', { slug, name }, { 'idempotency-key': crypto.randomUUID() }).then(() => setNotice(t('settings.tenant_created', { slug })), setError); }}>
      <h2>{t('settings.new_tenant')}</h2>
      <p className="notice-line" role="status">{notice}</p>
      {error !== undefined && <ApiProblem error={error} />}
      <div className="field"><label htmlFor="new-tenant-slug">{t('settings.slug')}</label><input id="new-tenant-slug" value={slug} onChange={(event) => setSlug(event.target.value)} /></div>
      <div className="field"><label htmlFor="new-tenant-name">{t('settings.tenant_name')}</label><input id="new-tenant-name" value={name} onChange={(event) => setName(event.target.value)} /></div>
      <button type="submit">{t('settings.create_tenant')}</button>
    </form>
  );
}
