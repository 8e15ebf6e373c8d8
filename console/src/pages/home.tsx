// Home: who is signed in and, for roles with stats:read, the tenant's dashboard over a chosen
// period compared with the one before it: sign-ups, sign-ins by method and by application, failed
// and throttled sign-ins, daily/weekly/monthly active customers, and the sign-up funnel of one
// application or all. Figures come from the statistics API only.
import { useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/en.ts';
import { useSession } from '../session.tsx';
import { Loaded, useLoad } from '../load.tsx';
import { query } from '../api.ts';
import type { Page } from '../api.ts';
import { FUNNEL_STEPS, changeOf, funnelOf, last, periodsOf, splitRows, splitTotals, total } from '../lib/stats.ts';
import type { Day, Period } from '../lib/stats.ts';
import { DailyChart, FunnelChart } from './charts.tsx';

const PERIODS = [7, 30, 90] as const;
type Series = { from: string; to: string; days: Day[]; relative_standard_error?: number };

export default function HomePage() {
  const { t } = useI18n();
  const { caller, email, tenant, can } = useSession();
  return (
    <section>
      <h1>{t('home.heading')}</h1>
      <p>{t('home.welcome', { email, role: caller.role ? t(`role.${caller.role}`) : caller.kind })}</p>
      {!can('stats:read') ? <p className="empty">{t('dash.no_stats')}</p> : tenant ? <Dashboard tenant={tenant} /> : <p className="empty">{t('dash.no_tenant')}</p>}
    </section>
  );
}

function Dashboard({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api, can } = useSession();
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30);
  const [application, setApplication] = useState<string>('*');
  const { current, previous } = periodsOf(days, Date.now());
  const stats = (path: string, period: Period, more: Record<string, string> = {}) => api.get<Series>(`/tenants/${encodeURIComponent(tenant)}/stats/${path}${query({ ...period, ...more })}`);

  const load = useLoad(async () => {
    const both = (path: string, more: Record<string, string> = {}) => Promise.all([stats(path, current, more), stats(path, previous, more)]);
    const [signUps, signIns, failures, day, week, month, byApplication, applications] = await Promise.all([
      both('sign-ups'),
      both('sign-ins', { by: 'method' }),
      both('failures'),
      both('active', { window: 'day' }),
      both('active', { window: 'week' }),
      both('active', { window: 'month' }),
      stats('sign-ins', current, { by: 'application' }),
      can('apps:read') ? api.get<Page<{ client_id: string; name: string }>>(`/tenants/${encodeURIComponent(tenant)}/applications?limit=200`).then((page) => page.items) : Promise.resolve([]),
    ]);
    return { signUps, signIns, failures, day, week, month, byApplication, applications };
  }, [tenant, days]);

  const funnel = useLoad(() => {
    const more: Record<string, string> = application === '*' ? {} : { application };
    return Promise.all([stats('funnel', current, more), stats('funnel', previous, more)]);
  }, [tenant, days, application]);

  return (
    <>
      <div className="toolbar">
        <label className="field">
          {t('dash.period')}
          <select value={days} onChange={(event) => setDays(Number(event.target.value) as (typeof PERIODS)[number])}>
            {PERIODS.map((n) => <option key={n} value={n}>{t('dash.days', { days: n })}</option>)}
          </select>
        </label>
      </div>
      <Loaded load={load}>
        {(data) => {
          const appName = (clientId: string) => (clientId === '' ? t('dash.flows_api') : (data.applications.find((app) => app.client_id === clientId)?.name ?? clientId));
          const methods = splitTotals(data.signIns[0].days).map((entry) => entry.key);
          const apps = splitTotals(data.byApplication.days).map((entry) => entry.key);
          const choices = [...new Set([...data.applications.map((app) => app.client_id), ...apps])];
          const error = Math.round((data.day[0].relative_standard_error ?? 0) * 1000) / 10;
          return (
            <>
              <h2>{t('dash.glance')}</h2>
              <div className="cards">
                <Figure label="dash.signups" current={total(data.signUps[0].days, 'count')} previous={total(data.signUps[1].days, 'count')} />
                <Figure label="dash.signins" current={total(data.signIns[0].days, 'count')} previous={total(data.signIns[1].days, 'count')} />
                <Figure label="dash.failed" current={total(data.failures[0].days, 'failed')} previous={total(data.failures[1].days, 'failed')} />
                <Figure label="dash.throttled" current={total(data.failures[0].days, 'throttled')} previous={total(data.failures[1].days, 'throttled')} />
                <Figure label="dash.dau" current={last(data.day[0].days, 'customers')} previous={last(data.day[1].days, 'customers')} />
                <Figure label="dash.wau" current={last(data.week[0].days, 'customers')} previous={last(data.week[1].days, 'customers')} />
                <Figure label="dash.mau" current={last(data.month[0].days, 'customers')} previous={last(data.month[1].days, 'customers')} />
              </div>
              <p className="hint">{t('dash.active_note', { error })}</p>
              <div className="charts">
                <DailyChart title={t('dash.signups')} rows={data.signUps[0].days.map((day) => ({ day: day.day, count: Number(day['count']) }))} series={[{ key: 'count', label: t('dash.signups') }]} />
                <DailyChart title={t('dash.signins_by_method')} kind="bar" stacked rows={splitRows(data.signIns[0].days, methods)} series={methods.map((key) => ({ key, label: key }))} />
                <DailyChart title={t('dash.signins_by_application')} kind="bar" stacked rows={splitRows(data.byApplication.days, apps)} series={apps.map((key) => ({ key, label: appName(key) }))} />
                <DailyChart title={t('dash.failures')} rows={data.failures[0].days.map((day) => ({ day: day.day, failed: Number(day['failed']), throttled: Number(day['throttled']) }))} series={[{ key: 'failed', label: t('dash.failed') }, { key: 'throttled', label: t('dash.throttled') }]} />
                <DailyChart
                  title={t('dash.active')}
                  rows={data.day[0].days.map((day, index) => ({ day: day.day, day_: Number(day['customers']), week: Number(data.week[0].days[index]?.['customers'] ?? 0), month: Number(data.month[0].days[index]?.['customers'] ?? 0) }))}
                  series={[{ key: 'day_', label: t('dash.dau') }, { key: 'week', label: t('dash.wau') }, { key: 'month', label: t('dash.mau') }]}
                />
              </div>
              <h2 id="funnel-heading">{t('dash.funnel')}</h2>
              <div className="toolbar">
                <label className="field">
                  {t('dash.funnel_application')}
                  <select value={application} onChange={(event) => setApplication(event.target.value)}>
                    <option value="*">{t('dash.all_applications')}</option>
                    {choices.map((clientId) => <option key={clientId} value={clientId}>{appName(clientId)}</option>)}
                  </select>
                </label>
              </div>
              <Loaded load={funnel}>{(series) => <Funnel current={series[0].days} previous={series[1].days} />}</Loaded>
            </>
          );
        }}
      </Loaded>
    </>
  );
}

function Figure({ label, current, previous }: { label: MessageKey; current: number; previous: number }) {
  const { t, number } = useI18n();
  const change = changeOf(current, previous);
  const text = change.direction === 'up' ? t('dash.change_up', { percent: number(change.percent ?? 0) })
    : change.direction === 'down' ? t('dash.change_down', { percent: number(Math.abs(change.percent ?? 0)) })
    : change.direction === 'new' ? t('dash.change_new') : t('dash.change_same');
  return (
    <div className="card" data-figure={label}>
      <h3 className="label">{t(label)}</h3>
      <p className="figure">{number(current)}</p>
      <p className={`change ${change.direction}`}>{text}</p>
      <p className="change">{t('dash.previous', { value: number(previous) })}</p>
    </div>
  );
}

function Funnel({ current, previous }: { current: Day[]; previous: Day[] }) {
  const { t, number } = useI18n();
  const now = funnelOf(current);
  const before = funnelOf(previous);
  const percent = (share: number | null) => (share === null ? '–' : `${number(Math.round(share * 1000) / 10)} %`);
  const stepLabel = (step: string) => t(`dash.step.${step}` as MessageKey);
  return (
    <div className="charts">
      <FunnelChart
        title={t('dash.funnel')}
        rows={FUNNEL_STEPS.map((step, index) => ({ label: stepLabel(step), current: now[index]?.count ?? 0, previous: before[index]?.count ?? 0 }))}
        series={[{ key: 'current', label: t('dash.this_period') }, { key: 'previous', label: t('dash.previous_period') }]}
      />
      <div className="card wide">
        <table aria-labelledby="funnel-heading" className="funnel">
          <thead>
            <tr><th scope="col">{t('dash.step')}</th><th scope="col">{t('dash.customers')}</th><th scope="col">{t('dash.of_viewed')}</th><th scope="col">{t('dash.of_previous_step')}</th><th scope="col">{t('dash.previous_period')}</th></tr>
          </thead>
          <tbody>
            {now.map((row, index) => (
              <tr key={row.step} data-step={row.step}>
                <th scope="row">{stepLabel(row.step)}</th>
                <td>{number(row.count)}</td>
                <td>{percent(row.ofFirst)}</td>
                <td>{percent(row.ofPrevious)}</td>
                <td>{number(before[index]?.count ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
