// Applications: the tenant's OAuth clients. Create one with a guide per kind (web, single-page,
// native, machine); a confidential one's secret is shown once with a copy button; a ready-to-paste
// snippet per library; edit redirect URIs and settings; rotate the secret; delete (typed name).
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, Route, Routes, useLocation, useNavigate, useParams } from 'react-router';
import type { Page } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/en.ts';
import { useSession } from '../session.tsx';
import { Loaded, useLoad } from '../load.tsx';
import { librariesFor, snippetOf } from '../lib/snippets.ts';
import type { Library } from '../lib/snippets.ts';
import { ApiProblem } from './customers.tsx';

type Kind = 'web' | 'spa' | 'native' | 'machine';
type Application = { client_id: string; name: string; kind: Kind; confidential: boolean; redirect_uris: string[]; post_logout_redirect_uris: string[]; first_party: boolean; created_at: string; client_secret?: string };
const KINDS: Kind[] = ['web', 'spa', 'native', 'machine'];
const LIBRARY_NAMES: Record<Library, string> = { 'openid-client': 'openid-client (Node.js)', authjs: 'Auth.js', 'oidc-client-ts': 'oidc-client-ts (browser)' };

export default function ApplicationsSection() {
  const { tenant } = useSession();
  const { t } = useI18n();
  if (!tenant) return <p className="empty">{t('dash.no_tenant')}</p>;
  const base = `/tenants/${encodeURIComponent(tenant)}/applications`;
  return (
    <Routes>
      <Route path="/" element={<ApplicationList base={base} />} />
      <Route path="/new" element={<CreateApplication base={base} />} />
      <Route path="/:clientId" element={<ApplicationPage base={base} tenant={tenant} />} />
    </Routes>
  );
}

const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);

function ApplicationList({ base }: { base: string }) {
  const { t, date } = useI18n();
  const { api, can } = useSession();
  const list = useLoad(() => api.get<Page<Application>>(`${base}?limit=200`), [base]);
  return (
    <section>
      <h1>{t('apps.heading')}</h1>
      {can('apps:write') && <p><Link className="button primary" to="new">{t('apps.create')}</Link></p>}
      <Loaded load={list} empty={(page) => page.items.length === 0}>
        {(page) => (
          <table>
            <thead><tr><th scope="col">{t('apps.name')}</th><th scope="col">{t('apps.kind')}</th><th scope="col">{t('apps.client_id')}</th><th scope="col">{t('customers.created')}</th></tr></thead>
            <tbody>{page.items.map((app) => <tr key={app.client_id}><td><Link to={app.client_id}>{app.name}</Link></td><td>{t(`apps.kind.${app.kind}`)}</td><td><code>{app.client_id}</code></td><td>{date(app.created_at)}</td></tr>)}</tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function CreateApplication({ base }: { base: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const navigate = useNavigate();
  const [kind, setKind] = useState<Kind>('web');
  const [name, setName] = useState('');
  const [redirects, setRedirects] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const created = await api.send<Application>('POST', base, { name, kind, ...(kind === 'machine' ? {} : { redirect_uris: lines(redirects) }) }, { 'idempotency-key': crypto.randomUUID() });
      // The secret travels to the next page in memory only (navigation state), never in the URL.
      void navigate(`../${created.client_id}`, { relative: 'path', state: { secret: created.client_secret } });
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section>
      <h1>{t('apps.create')}</h1>
      <form onSubmit={(event) => void submit(event)} noValidate>
        {error !== undefined && <ApiProblem error={error} />}
        <fieldset className="kinds">
          <legend>{t('apps.kind')}</legend>
          {KINDS.map((entry) => (
            <div className="field checkbox" key={entry}>
              <label htmlFor={`kind-${entry}`}>{t(`apps.kind.${entry}`)}</label>
              <input type="radio" id={`kind-${entry}`} name="kind" value={entry} checked={kind === entry} onChange={() => setKind(entry)} />
            </div>
          ))}
        </fieldset>
        <p className="guide">{t(`apps.guide.${kind}` as MessageKey)}</p>
        <div className="field"><label htmlFor="app-name">{t('apps.name')}</label><input id="app-name" value={name} onChange={(event) => setName(event.target.value)} required /></div>
        {kind !== 'machine' && (
          <div className="field">
            <label htmlFor="app-redirects">{t('apps.redirect_uris')}</label>
            <textarea id="app-redirects" rows={3} value={redirects} onChange={(event) => setRedirects(event.target.value)} aria-describedby="app-redirects-hint" />
            <span className="hint" id="app-redirects-hint">{t(kind === 'native' ? 'apps.redirect_hint_native' : 'apps.redirect_hint')}</span>
          </div>
        )}
        <button type="submit" className="primary">{t('apps.create')}</button>
      </form>
    </section>
  );
}

function SecretOnce({ secret }: { secret: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice secret" role="region" aria-labelledby="secret-heading">
      <h2 id="secret-heading">{t('apps.secret_heading')}</h2>
      <p>{t('apps.secret_once')}</p>
      <p><code data-secret>{secret}</code></p>
      <button type="button" onClick={() => void navigator.clipboard.writeText(secret).then(() => setCopied(true))}>{t('apps.copy')}</button>
      <span role="status">{copied ? ` ${t('apps.copied')}` : ''}</span>
    </div>
  );
}

function ApplicationPage({ base, tenant }: { base: string; tenant: string }) {
  const { t } = useI18n();
  const { api, can } = useSession();
  const { clientId = '' } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [secret, setSecret] = useState<string | undefined>((location.state as { secret?: string } | null)?.secret);
  // Out of the session history at once: a reload or Back never shows the secret again.
  useEffect(() => {
    if ((location.state as { secret?: string } | null)?.secret) void navigate('.', { replace: true, state: null, relative: 'path' });
  }, [location.state, navigate]);
  const path = `${base}/${encodeURIComponent(clientId)}`;
  const app = useLoad(() => api.get<Application>(path), [path]);
  const issuer = useLoad(async () => (await api.get<{ issuer: string }>(`/tenants/${encodeURIComponent(tenant)}`)).issuer, [tenant]);
  const [notice, setNotice] = useState('');
  const [error, setError] = useState<unknown>();
  const [confirm, setConfirm] = useState('');
  return (
    <section>
      <p><Link to="..">{t('apps.back')}</Link></p>
      <Loaded load={app}>
        {(current) => (
          <>
            <h1>{current.name}</h1>
            <p>{t(`apps.kind.${current.kind}`)} · {t('apps.client_id')}: <code>{current.client_id}</code></p>
            {secret && <SecretOnce secret={secret} />}
            <p className="notice-line" role="status">{notice}</p>
            {error !== undefined && <ApiProblem error={error} />}
            {can('apps:write') && <EditApplication path={path} app={current} onSaved={() => { setNotice(t('apps.saved')); app.reload(); }} onError={setError} />}
            <h2>{t('apps.integrate')}</h2>
            <Loaded load={issuer}>{(iss) => <Snippets issuer={iss} app={current} />}</Loaded>
            {can('apps:write') && (
              <>
                <h2>{t('apps.danger')}</h2>
                {current.confidential && (
                  <p><button type="button" onClick={() => void api.send<{ client_secret: string }>('POST', `${path}/secret`).then((answer) => { setSecret(answer.client_secret); setNotice(t('apps.rotated')); }, setError)}>{t('apps.rotate')}</button></p>
                )}
                <form className="confirm" onSubmit={(event) => { event.preventDefault(); if (confirm === current.name) void api.send('DELETE', path).then(() => navigate('..', { relative: 'path' }), setError); }}>
                  <div className="field">
                    <label htmlFor="delete-confirm">{t('apps.delete_type', { name: current.name })}</label>
                    <input id="delete-confirm" value={confirm} onChange={(event) => setConfirm(event.target.value)} autoComplete="off" />
                  </div>
                  <button type="submit" className="danger" disabled={confirm !== current.name}>{t('apps.delete')}</button>
                </form>
              </>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

function EditApplication({ path, app, onSaved, onError }: { path: string; app: Application; onSaved: () => void; onError: (error: unknown) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [name, setName] = useState(app.name);
  const [redirects, setRedirects] = useState(app.redirect_uris.join('\n'));
  const [logouts, setLogouts] = useState(app.post_logout_redirect_uris.join('\n'));
  const [firstParty, setFirstParty] = useState(app.first_party);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { name, first_party: firstParty, ...(app.kind === 'machine' ? {} : { redirect_uris: lines(redirects), post_logout_redirect_uris: lines(logouts) }) };
    void api.send('PATCH', path, body).then(onSaved, onError);
  };
  return (
    <form onSubmit={submit}>
      <h2>{t('apps.settings')}</h2>
      <div className="field"><label htmlFor="edit-name">{t('apps.name')}</label><input id="edit-name" value={name} onChange={(event) => setName(event.target.value)} /></div>
      {app.kind !== 'machine' && (
        <>
          <div className="field"><label htmlFor="edit-redirects">{t('apps.redirect_uris')}</label><textarea id="edit-redirects" rows={3} value={redirects} onChange={(event) => setRedirects(event.target.value)} /></div>
          <div className="field"><label htmlFor="edit-logouts">{t('apps.logout_uris')}</label><textarea id="edit-logouts" rows={2} value={logouts} onChange={(event) => setLogouts(event.target.value)} /></div>
        </>
      )}
      <div className="field checkbox"><label htmlFor="edit-first-party">{t('apps.first_party')}</label><input id="edit-first-party" type="checkbox" checked={firstParty} onChange={(event) => setFirstParty(event.target.checked)} /></div>
      <button type="submit" className="primary">{t('apps.save')}</button>
    </form>
  );
}

function Snippets({ issuer, app }: { issuer: string; app: Application }) {
  const { t } = useI18n();
  const libraries = librariesFor(app.kind);
  const [library, setLibrary] = useState<Library>(libraries[0]!);
  const code = snippetOf(library, { issuer, clientId: app.client_id, kind: app.kind, redirectUri: app.redirect_uris[0] });
  return (
    <div className="snippets">
      <div className="field">
        <label htmlFor="snippet-library">{t('apps.library')}</label>
        <select id="snippet-library" value={library} onChange={(event) => setLibrary(event.target.value as Library)}>
          {libraries.map((entry) => <option key={entry} value={entry}>{LIBRARY_NAMES[entry]}</option>)}
        </select>
      </div>
      <pre tabIndex={0} aria-label={t('apps.snippet_label', { library: LIBRARY_NAMES[library] })}><code>{code}</code></pre>
      <button type="button" onClick={() => void navigator.clipboard.writeText(code)}>{t('apps.copy_snippet')}</button>
    </div>
  );
}
