// Customers: search as you type (email, name, identifiers) with filters (status, verified email, created, last
// sign-in), a page of results with more on demand, a customer's page, and creating one with a form
// generated from the tenant's trait schema. Analysts see masked customers and filter only.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, Route, Routes, useNavigate } from 'react-router';
import { ApiError, query } from '../api.ts';
import type { Page } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorState, Loaded, useLoad } from '../load.tsx';
import { mergeResults, rowOf, searchQueriesOf } from '../lib/customer-view.ts';
import type { AnyCustomer, Customer } from '../lib/customer-view.ts';
import { fieldsOf, formValuesOf, traitsOf } from '../lib/trait-form.ts';
import type { FieldProblem, FormValues, TraitSchema } from '../lib/trait-form.ts';
import { TraitInputs } from './trait-fields.tsx';
import CustomerPage from './customer.tsx';

export default function CustomersSection() {
  const { tenant } = useSession();
  const { t } = useI18n();
  if (!tenant) return <p className="empty">{t('dash.no_tenant')}</p>;
  return (
    <Routes>
      <Route path="/" element={<CustomerList tenant={tenant} />} />
      <Route path="/new" element={<CreateCustomer tenant={tenant} />} />
      <Route path="/:id" element={<CustomerPage tenant={tenant} />} />
    </Routes>
  );
}

/** The tenant's trait schema (its own, or Foyer's default when it has none). */
export function useTraitSchema(tenant: string) {
  const { api } = useSession();
  return useLoad(async () => (await api.get<{ settings: { identitySchema?: TraitSchema } }>(`/tenants/${encodeURIComponent(tenant)}`)).settings.identitySchema, [tenant]);
}

type Filters = { status: string; verified: string; created_after: string; created_before: string; last_sign_in_after: string; last_sign_in_before: string };
const NO_FILTERS: Filters = { status: '', verified: '', created_after: '', created_before: '', last_sign_in_after: '', last_sign_in_before: '' };
const PAGE = 25;

/** A day from a date input as the start of that day in UTC. */
const dayStart = (day: string) => (day ? `${day}T00:00:00Z` : undefined);

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function CustomerList({ tenant }: { tenant: string }) {
  const { t, date } = useI18n();
  const { api, caller, can } = useSession();
  const [text, setText] = useState('');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [limit, setLimit] = useState(PAGE);
  const term = useDebounced(text, 250);
  const list = useLoad(async () => {
    const common = { limit, status: filters.status, verified: filters.verified, created_after: dayStart(filters.created_after), created_before: dayStart(filters.created_before), last_sign_in_after: dayStart(filters.last_sign_in_after), last_sign_in_before: dayStart(filters.last_sign_in_before) };
    const pages = await Promise.all(searchQueriesOf(term, caller.masked).map((search) => api.get<Page<AnyCustomer>>(`/tenants/${encodeURIComponent(tenant)}/customers${query({ ...common, ...search })}`)));
    return { items: mergeResults(pages.map((page) => page.items)), more: pages.some((page) => page.next_cursor !== null) };
  }, [tenant, term, filters, limit]);
  const filter = (name: keyof Filters) => ({ value: filters[name], onChange: (event: { target: { value: string } }) => setFilters({ ...filters, [name]: event.target.value }) });

  return (
    <section>
      <h1>{t('customers.heading')}</h1>
      {can('customers:write') && <p><Link className="button primary" to="new">{t('customers.create')}</Link></p>}
      <form className="toolbar" role="search" onSubmit={(event) => event.preventDefault()}>
        {!caller.masked && (
          <div className="field grow">
            <label htmlFor="customer-search">{t('customers.search')}</label>
            <input id="customer-search" type="search" value={text} onChange={(event) => setText(event.target.value)} placeholder={t('customers.search_hint')} autoComplete="off" />
          </div>
        )}
        <div className="field">
          <label htmlFor="filter-status">{t('customers.status')}</label>
          <select id="filter-status" {...filter('status')}>
            <option value="">{t('customers.any')}</option>
            <option value="active">{t('customers.status.active')}</option>
            <option value="blocked">{t('customers.status.blocked')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-verified">{t('customers.filter_verified')}</label>
          <select id="filter-verified" {...filter('verified')}>
            <option value="">{t('customers.any')}</option>
            <option value="true">{t('customers.filter_verified.yes')}</option>
            <option value="false">{t('customers.filter_verified.no')}</option>
          </select>
        </div>
        <div className="field"><label htmlFor="filter-created-after">{t('customers.created_after')}</label><input id="filter-created-after" type="date" {...filter('created_after')} /></div>
        <div className="field"><label htmlFor="filter-created-before">{t('customers.created_before')}</label><input id="filter-created-before" type="date" {...filter('created_before')} /></div>
        <div className="field"><label htmlFor="filter-signin-after">{t('customers.signin_after')}</label><input id="filter-signin-after" type="date" {...filter('last_sign_in_after')} /></div>
        <div className="field"><label htmlFor="filter-signin-before">{t('customers.signin_before')}</label><input id="filter-signin-before" type="date" {...filter('last_sign_in_before')} /></div>
      </form>
      {caller.masked && <p className="hint">{t('customers.masked_note')}</p>}
      <Loaded load={list} empty={(data) => data.items.length === 0}>
        {(data) => (
          <>
            <table className="customers">
              <caption className="visually-hidden">{t('customers.heading')}</caption>
              <thead><tr><th scope="col">{t('customers.email')}</th><th scope="col">{t('customers.name')}</th><th scope="col">{t('customers.status')}</th><th scope="col">{t('customers.created')}</th><th scope="col">{t('customers.last_sign_in')}</th></tr></thead>
              <tbody>
                {data.items.map((customer) => {
                  const row = rowOf(customer);
                  return (
                    <tr key={row.id}>
                      <td><Link to={row.id}>{row.email}</Link>{row.verified ? ` ✓` : ''}{row.verified && <span className="visually-hidden"> {t('customers.verified')}</span>}</td>
                      <td>{row.masked ? <span className="masked">{t('customers.hidden')}</span> : (row.name ?? '')}</td>
                      <td>{t(`customers.status.${row.status}`)}</td>
                      <td>{date(row.createdAt)}</td>
                      <td>{row.lastSignIn ? date(row.lastSignIn) : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {data.more && <p><button type="button" onClick={() => setLimit(limit + PAGE)}>{t('customers.more')}</button></p>}
          </>
        )}
      </Loaded>
    </section>
  );
}

function CreateCustomer({ tenant }: { tenant: string }) {
  const { t, language } = useI18n();
  const { api } = useSession();
  const navigate = useNavigate();
  const schema = useTraitSchema(tenant);
  const [values, setValues] = useState<FormValues>({});
  const [password, setPassword] = useState('');
  const [verified, setVerified] = useState(false);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<unknown>();
  return (
    <section>
      <h1>{t('customers.create')}</h1>
      <Loaded load={schema}>
        {(traitSchema) => {
          const fields = fieldsOf(traitSchema, language);
          const current = { ...formValuesOf(fields, {}), ...values };
          const submit = async (event: FormEvent) => {
            event.preventDefault();
            const { traits, problems: found } = traitsOf(fields, current);
            setProblems(found);
            if (found.length > 0) return;
            try {
              const created = await api.send<Customer>('POST', `/tenants/${encodeURIComponent(tenant)}/customers`, { traits, ...(password ? { password } : {}), ...(verified ? { verified: true } : {}) }, { 'idempotency-key': crypto.randomUUID() });
              void navigate(`../${created.id}`, { relative: 'path' });
            } catch (caught) {
              setError(caught);
            }
          };
          return (
            <form onSubmit={(event) => void submit(event)} noValidate>
              {error !== undefined && <ApiProblem error={error} />}
              <TraitInputs fields={fields} values={current} problems={problems} onChange={setValues} idPrefix="new" />
              <div className="field">
                <label htmlFor="new-password">{t('customers.password')}</label>
                <input id="new-password" type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} aria-describedby="new-password-hint" />
                <span className="hint" id="new-password-hint">{t('customers.password_hint')}</span>
              </div>
              <div className="field checkbox">
                <label htmlFor="new-verified">{t('customers.mark_verified')}</label>
                <input id="new-verified" type="checkbox" checked={verified} onChange={(event) => setVerified(event.target.checked)} />
              </div>
              <button type="submit" className="primary">{t('customers.create')}</button>
            </form>
          );
        }}
      </Loaded>
    </section>
  );
}

/** An API refusal as the form shows it: the problem's detail and each field's message. */
export function ApiProblem({ error }: { error: unknown }) {
  if (!(error instanceof ApiError) || error.status === 403 || error.status === 404) return <ErrorState error={error} />;
  return (
    <div className="notice error" role="alert">
      <p>{error.problem.detail ?? error.problem.title}</p>
      {error.problem.errors && <ul>{error.problem.errors.map((entry, index) => <li key={index}>{entry.field ? `${entry.field}: ` : ''}{entry.message ?? entry.code}</li>)}</ul>}
    </div>
  );
}
