// One customer: profile (a form generated from the tenant's trait schema; masked for analysts),
// addresses, sessions and devices (revoke one or all), connected applications (revoke), security
// activity, and the actions the role allows: block, unblock, recovery email, resend verification,
// reset second factors, erase (after typing the customer's email).
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Page } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { Loaded, useLoad } from '../load.tsx';
import { isMasked, rowOf } from '../lib/customer-view.ts';
import type { AnyCustomer, Customer } from '../lib/customer-view.ts';
import { fieldsOf, formValuesOf, patchOf } from '../lib/trait-form.ts';
import type { FieldProblem, FormValues, TraitSchema } from '../lib/trait-form.ts';
import { TraitInputs } from './trait-fields.tsx';
import { ApiProblem, useTraitSchema } from './customers.tsx';

type Session = { id: string; kind: 'browser' | 'app'; user_agent: string | null; ip: string | null; signed_in_at: string; last_seen_at: string | null; expires_at: string; applications: string[] };
type Grant = { client_id: string; name: string; scopes: string[]; granted_at: string };
type Activity = { id: string; at: string; action: string; outcome: 'success' | 'failure'; actor: { type: string; id: string | null }; ip: string | null };

export default function CustomerPage({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { id = '' } = useParams();
  const base = `/tenants/${encodeURIComponent(tenant)}/customers/${encodeURIComponent(id)}`;
  const customer = useLoad(() => api.get<AnyCustomer>(base), [base]);
  const schema = useTraitSchema(tenant);
  const [notice, setNotice] = useState('');
  return (
    <section>
      <p><Link to="..">{t('customers.back')}</Link></p>
      <Loaded load={customer}>
        {(current) => {
          const row = rowOf(current);
          return (
            <>
              <h1>{row.email}</h1>
              <p>
                {t('customers.status')}: <strong data-status={row.status}>{t(`customers.status.${row.status}`)}</strong> · {t('customers.id')}: <code>{row.id}</code>
              </p>
              <p className="notice-line" role="status">{notice}</p>
              <Actions base={base} customer={current} onDone={(message) => { setNotice(message); customer.reload(); }} />
              {isMasked(current) ? <p className="hint">{t('customers.masked_note')}</p> : <Loaded load={schema}>{(traitSchema) => <Profile base={base} customer={current} schema={traitSchema} onSaved={() => { setNotice(t('customers.saved')); customer.reload(); }} />}</Loaded>}
              <Sessions base={base} onChange={setNotice} />
              <Grants base={base} onChange={setNotice} />
              <ActivityLog base={base} />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function Profile({ base, customer, schema, onSaved }: { base: string; customer: Customer; schema: TraitSchema | undefined; onSaved: () => void }) {
  const { t, language, date } = useI18n();
  const { api, can } = useSession();
  const fields = fieldsOf(schema, language);
  const [values, setValues] = useState<FormValues>(() => formValuesOf(fields, customer.traits));
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>();
  const editable = can('customers:write');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { patch, problems: found } = patchOf(fields, customer.traits, values);
    setProblems(found);
    setError(undefined);
    if (found.length > 0 || Object.keys(patch).length === 0) return;
    try {
      await api.send('PATCH', base, { traits: patch });
      onSaved();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h2>{t('customers.profile')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        {error !== undefined && <ApiProblem error={error} />}
        <TraitInputs fields={fields} values={values} problems={problems} onChange={setValues} idPrefix="trait" disabled={!editable} />
        {editable && <button type="submit" className="primary">{t('customers.save')}</button>}
      </form>
      <h2>{t('customers.addresses')}</h2>
      {customer.addresses.length === 0 ? <p className="empty">{t('app.empty')}</p> : (
        <ul>
          {customer.addresses.map((address) => <li key={`${address.kind}:${address.value}`}>{address.value} — {address.verified && address.verified_at ? t('customers.verified_at', { when: date(address.verified_at) }) : t('customers.unverified')}</li>)}
        </ul>
      )}
      {customer.external_id && <p>{t('customers.external_id')}: <code>{customer.external_id}</code></p>}
    </>
  );
}

function Actions({ base, customer, onDone }: { base: string; customer: AnyCustomer; onDone: (message: string) => void }) {
  const { t } = useI18n();
  const { api, can } = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>();
  const [confirmText, setConfirmText] = useState('');
  const [erasing, setErasing] = useState(false);
  const row = rowOf(customer);
  const act = async (method: 'POST' | 'DELETE', path: string, message: (answer: unknown) => string) => {
    setError(undefined);
    try {
      const answer = await api.send<unknown>(method, `${base}${path}`);
      onDone(message(answer));
    } catch (caught) {
      setError(caught);
    }
  };
  const support = can('customers:support');
  const confirmWord = isMasked(customer) ? customer.id : row.email;
  if (!support && !can('customers:erase') && !can('customers:mfa_reset')) return null;
  return (
    <div className="actions">
      <h2>{t('customers.actions')}</h2>
      {error !== undefined && <ApiProblem error={error} />}
      <div className="button-row">
        {support && customer.status === 'active' && <button type="button" className="danger" onClick={() => void act('POST', '/block', () => t('customers.blocked'))}>{t('customers.block')}</button>}
        {support && customer.status === 'blocked' && <button type="button" onClick={() => void act('POST', '/unblock', () => t('customers.unblocked'))}>{t('customers.unblock')}</button>}
        {support && <button type="button" onClick={() => void act('POST', '/recovery-email', (answer) => t('customers.email_sent', { to: (answer as { sent_to: string }).sent_to }))}>{t('customers.send_recovery')}</button>}
        {support && <button type="button" onClick={() => void act('POST', '/verification-email', (answer) => t('customers.email_sent', { to: (answer as { sent_to: string }).sent_to }))}>{t('customers.resend_verification')}</button>}
        {can('customers:mfa_reset') && <button type="button" onClick={() => void act('DELETE', '/second-factors', () => t('customers.mfa_reset_done'))}>{t('customers.mfa_reset')}</button>}
        {can('customers:erase') && !erasing && <button type="button" className="danger" onClick={() => setErasing(true)}>{t('customers.erase')}</button>}
      </div>
      {erasing && (
        <form
          className="confirm"
          onSubmit={(event) => {
            event.preventDefault();
            if (confirmText !== confirmWord) return;
            void api.send('DELETE', base).then(() => navigate('..', { relative: 'path' }), setError);
          }}
        >
          <p>{t('customers.erase_warning')}</p>
          <div className="field">
            <label htmlFor="erase-confirm">{t('customers.erase_type', { word: confirmWord })}</label>
            <input id="erase-confirm" value={confirmText} onChange={(event) => setConfirmText(event.target.value)} autoComplete="off" />
          </div>
          <div className="button-row">
            <button type="submit" className="danger" disabled={confirmText !== confirmWord}>{t('customers.erase_confirm')}</button>
            <button type="button" onClick={() => { setErasing(false); setConfirmText(''); }}>{t('customers.cancel')}</button>
          </div>
        </form>
      )}
    </div>
  );
}

function Sessions({ base, onChange }: { base: string; onChange: (message: string) => void }) {
  const { t, date } = useI18n();
  const { api, can } = useSession();
  const sessions = useLoad(() => api.get<{ items: Session[] }>(`${base}/sessions`), [base]);
  const revoke = (path: string) => api.send('DELETE', `${base}/sessions${path}`).then(() => { onChange(t('customers.sessions_revoked')); sessions.reload(); }, (error: unknown) => onChange(String(error)));
  return (
    <>
      <h2>{t('customers.sessions')}</h2>
      <Loaded load={sessions} empty={(data) => data.items.length === 0}>
        {(data) => (
          <>
            <table>
              <thead><tr><th scope="col">{t('customers.device')}</th><th scope="col">{t('customers.ip')}</th><th scope="col">{t('customers.signed_in')}</th><th scope="col">{t('customers.expires')}</th><th scope="col"><span className="visually-hidden">{t('customers.actions')}</span></th></tr></thead>
              <tbody>
                {data.items.map((session) => (
                  <tr key={session.id}>
                    <td>{session.user_agent ?? t(`customers.kind.${session.kind}`)}</td>
                    <td>{session.ip ?? '—'}</td>
                    <td>{date(session.signed_in_at)}</td>
                    <td>{date(session.expires_at)}</td>
                    <td>{can('customers:support') && <button type="button" onClick={() => void revoke(`/${encodeURIComponent(session.id)}`)}>{t('customers.revoke')}</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {can('customers:support') && <p><button type="button" onClick={() => void revoke('')}>{t('customers.revoke_all')}</button></p>}
          </>
        )}
      </Loaded>
    </>
  );
}

function Grants({ base, onChange }: { base: string; onChange: (message: string) => void }) {
  const { t, date } = useI18n();
  const { api, can } = useSession();
  const grants = useLoad(() => api.get<{ items: Grant[] }>(`${base}/grants`), [base]);
  return (
    <>
      <h2>{t('customers.grants')}</h2>
      <Loaded load={grants} empty={(data) => data.items.length === 0}>
        {(data) => (
          <table>
            <thead><tr><th scope="col">{t('customers.application')}</th><th scope="col">{t('customers.scopes')}</th><th scope="col">{t('customers.granted')}</th><th scope="col"><span className="visually-hidden">{t('customers.actions')}</span></th></tr></thead>
            <tbody>
              {data.items.map((grant) => (
                <tr key={grant.client_id}>
                  <td>{grant.name}</td>
                  <td>{grant.scopes.join(' ')}</td>
                  <td>{date(grant.granted_at)}</td>
                  <td>{can('customers:support') && <button type="button" onClick={() => void api.send('DELETE', `${base}/grants/${encodeURIComponent(grant.client_id)}`).then(() => { onChange(t('customers.grant_revoked')); grants.reload(); }, (error: unknown) => onChange(String(error)))}>{t('customers.revoke')}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </>
  );
}

function ActivityLog({ base }: { base: string }) {
  const { t, date } = useI18n();
  const { api } = useSession();
  const activity = useLoad(() => api.get<Page<Activity>>(`${base}/activity?limit=20`), [base]);
  return (
    <>
      <h2>{t('customers.activity')}</h2>
      <Loaded load={activity} empty={(data) => data.items.length === 0}>
        {(data) => (
          <table className="activity">
            <thead><tr><th scope="col">{t('customers.when')}</th><th scope="col">{t('customers.what')}</th><th scope="col">{t('customers.outcome')}</th><th scope="col">{t('customers.by')}</th><th scope="col">{t('customers.ip')}</th></tr></thead>
            <tbody>
              {data.items.map((entry) => (
                <tr key={entry.id}><td>{date(entry.at)}</td><td><code>{entry.action}</code></td><td>{entry.outcome}</td><td>{entry.actor.type}</td><td>{entry.ip ?? '—'}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </>
  );
}
