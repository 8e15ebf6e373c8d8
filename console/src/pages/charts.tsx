// The dashboard's charts (recharts): each is a <figure> with a caption, the chart, and the same
// figures as a table for screen readers and keyboard users (charts are images to them).
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useI18n } from '../i18n/i18n.tsx';

const COLOURS = ['#2450b2', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#475569'];

export type Series = { readonly key: string; readonly label: string };

function DataTable({ caption, rows, series }: { caption: string; rows: readonly Record<string, string | number>[]; series: readonly Series[] }) {
  const { number } = useI18n();
  return (
    // A table ignores `width: 1px` and spreads its absolute box past the window (a sideways
    // scroll at a tablet's width), so the hiding box is a block around it.
    <div className="visually-hidden">
      <table>
        <caption>{caption}</caption>
        <thead><tr><th scope="col">{'\u00a0'}</th>{series.map((entry) => <th key={entry.key} scope="col">{entry.label}</th>)}</tr></thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}><th scope="row">{String(row['day'] ?? row['label'] ?? index)}</th>{series.map((entry) => <td key={entry.key}>{number(Number(row[entry.key] ?? 0))}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DailyChart({ title, rows, series, kind = 'line', stacked = false }: { title: string; rows: readonly Record<string, string | number>[]; series: readonly Series[]; kind?: 'line' | 'bar'; stacked?: boolean }) {
  const body = kind === 'line'
    ? (
      <LineChart data={rows as Record<string, string | number>[]} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(5)} minTickGap={16} />
        <YAxis allowDecimals={false} width={40} />
        <Tooltip />
        {series.length > 1 && <Legend />}
        {series.map((entry, index) => <Line key={entry.key} type="monotone" dataKey={entry.key} name={entry.label} stroke={COLOURS[index % COLOURS.length]} dot={false} strokeWidth={2} isAnimationActive={false} />)}
      </LineChart>
    )
    : (
      <BarChart data={rows as Record<string, string | number>[]} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="day" tickFormatter={(day: string) => day.slice(5)} minTickGap={16} />
        <YAxis allowDecimals={false} width={40} />
        <Tooltip />
        {series.length > 1 && <Legend />}
        {series.map((entry, index) => <Bar key={entry.key} dataKey={entry.key} name={entry.label} fill={COLOURS[index % COLOURS.length]} stackId={stacked ? 'all' : undefined} isAnimationActive={false} />)}
      </BarChart>
    );
  return (
    <figure className="card chart">
      <figcaption><h2>{title}</h2></figcaption>
      <div aria-hidden="true" className="chart-area">
        <ResponsiveContainer width="100%" height={220}>{body}</ResponsiveContainer>
      </div>
      <DataTable caption={title} rows={rows} series={series} />
    </figure>
  );
}

/** The funnel: one bar per step, this period beside the previous one. */
export function FunnelChart({ title, rows, series }: { title: string; rows: readonly Record<string, string | number>[]; series: readonly Series[] }) {
  return (
    <figure className="card chart">
      <figcaption><h2>{title}</h2></figcaption>
      <div aria-hidden="true" className="chart-area">
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={rows as Record<string, string | number>[]} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" />
            <YAxis allowDecimals={false} width={40} />
            <Tooltip />
            <Legend />
            {series.map((entry, index) => <Bar key={entry.key} dataKey={entry.key} name={entry.label} fill={COLOURS[index % COLOURS.length]} isAnimationActive={false} />)}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <DataTable caption={title} rows={rows} series={series} />
    </figure>
  );
}
