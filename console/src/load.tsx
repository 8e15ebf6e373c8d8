// Loading, error and empty states in one place: `useLoad` runs an API read when its key changes
// and `<Loaded>` renders the three states the same way on every page.
import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError } from './api.ts';
import { useI18n } from './i18n/i18n.tsx';

export type Load<T> = { data: T | undefined; error: unknown; loading: boolean; reload: () => void };

export function useLoad<T>(read: () => Promise<T>, key: readonly unknown[]): Load<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    read().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      current = false;
    };
    // `read` is a new closure every render; `key` names what it depends on.
  }, [...key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useI18n();
  if (error instanceof ApiError && error.status === 403) return <p className="notice" role="alert">{t('app.forbidden')}</p>;
  if (error instanceof ApiError && error.status === 404) return <p className="notice" role="alert">{t('app.not_found')}</p>;
  const detail = error instanceof Error ? error.message : String(error);
  return (
    <div className="notice error" role="alert">
      <p>{t('app.error', { detail })}</p>
      {retry && <button type="button" onClick={retry}>{t('app.retry')}</button>}
    </div>
  );
}

export function Loaded<T>({ load, empty, emptyText, children }: { load: Load<T>; empty?: (data: T) => boolean; emptyText?: string; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  if (load.error !== undefined) return <ErrorState error={load.error} retry={load.reload} />;
  if (load.data === undefined) return <p className="loading" role="status">{t('app.loading')}</p>;
  if (empty?.(load.data)) return <p className="empty">{emptyText ?? t('app.empty')}</p>;
  return <>{children(load.data)}</>;
}
