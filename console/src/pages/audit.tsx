// The audit log: filter by actor, customer (subject), action (`prefix.*` too) and time; open one
// entry to read all of it; export what the filters select as JSON Lines (the API streams it).
import { Fragment, useState } from 'react';
import { query } from '../api.ts';
import type { Page } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorState, Loaded, useLoad } from '../load.tsx';

type Entry = { id: string; occurred_at: string; action: string; outcome: string; actor: { type: string; id: string | null }; subject: { type: string; id: string } | null } & Record<string, unknown>;
type Filters = { actor_id: string; subject_id: string; action: string; since: string; until: string };
const EMPTY: Filters = { actor_id: '', subject_id: '', action: '', since: '', until: '' };

export default function AuditPage() {
  const { t, date } = useI18n();
  const { api, tenant } = useSession();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [open, setOpen] = useState<string>();
  const [exportError, setExportError] = useState<unknown>();
  const base = `/tenants/${encodeURIComponent(tenant ?? '')}/audit`;
  const params = { ...filters, since: filters.since ? `${filters.since}T00:00:00Z` : '', until: filters.until ? `${filters.until}T00:00:00Z` : '' };
  const entries = useLoad(() => api.get<Page<Entry>>(`${base}${query({ ...params, limit: 50 })}`), [base, filters]);
  if (!tenant) return <p className="empty">{t('dash.no_tenant')}</p>;
  const field = (name: keyof Filters, label: string, type = 'text') => (
    <div className="field"><label htmlFor={`audit-${name}`}>{label}</label><input id={`audit-${name}`} type={type} value={draft[name]} onChange={(event) => setDraft({ ...draft, [name]: event.target.value })} /></div>
  );
  const download = async () => {
    setExportError(undefined);
    try {
      const text = await api.text(`${base}/export${query(params)}`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      link.download = `audit-${tenant}.jsonl`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setExportError(error);
    }
  };
  return (
    <section>
      <h1>{t('audit.heading')}</h1>
      <form className="toolbar" onSubmit={(event) => { event.preventDefault(); setFilters(draft); }}>
        {field('action', t('audit.action'))}
        {field('actor_id', t('audit.actor'))}
        {field('subject_id', t('audit.subject'))}
        {field('since', t('audit.since'), 'date')}
        {field('until', t('audit.until'), 'date')}
        <button type="submit" className="primary">{t('audit.apply')}</button>
        <button type="button" onClick={() => void download()}>{t('audit.export')}</button>
      </form>
      {exportError !== undefined && <ErrorState error={exportError} />}
      <Loaded load={entries} empty={(page) => page.items.length === 0}>
        {(page) => (
          <table className="audit">
            <thead><tr><th scope="col">{t('customers.when')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('customers.outcome')}</th><th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.target')}</th></tr></thead>
            <tbody>
              {page.items.map((entry) => (
                <Fragment key={entry.id}>
                  <tr>
                    <td>{date(entry.occurred_at)}</td>
                    <td><button type="button" className="link" aria-expanded={open === entry.id} onClick={() => setOpen(open === entry.id ? undefined : entry.id)}>{entry.action}</button></td>
                    <td>{entry.outcome}</td>
                    <td>{entry.actor.type}{entry.actor.id ? ` ${entry.actor.id}` : ''}</td>
                    <td>{entry.subject ? `${entry.subject.type} ${entry.subject.id}` : '—'}</td>
                  </tr>
                  {open === entry.id && <tr><td colSpan={5}><pre tabIndex={0} aria-label={t('audit.entry', { id: entry.id })}>{JSON.stringify(entry, null, 2)}</pre></td></tr>}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}
