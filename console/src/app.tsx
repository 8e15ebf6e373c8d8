// The console's shell: reads config.json, completes or starts the OpenID Connect sign-in, asks the
// admin API who the staff member is (/me) and which tenants they reach, then renders the sections
// their role opens. Each section is its own chunk, loaded when first opened.
import { Suspense, lazy, useCallback, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { BrowserRouter, NavLink, Route, Routes } from 'react-router';
import type { User, UserManager } from 'oidc-client-ts';
import { BASE, loadConfig, returnToOf, userManagerOf } from './auth.ts';
import type { ConsoleConfig, SignInState } from './auth.ts';
import { createApi } from './api.ts';
import type { Page } from './api.ts';
import { LANGUAGES, useI18n } from './i18n/i18n.tsx';
import type { Language } from './i18n/i18n.tsx';
import type { MessageKey } from './i18n/en.ts';
import { SessionContext } from './session.tsx';
import type { Caller, Session, TenantSummary } from './session.tsx';
import { ErrorState } from './load.tsx';

const HomePage = lazy(() => import('./pages/home.tsx'));
const CustomersSection = lazy(() => import('./pages/customers.tsx'));
const ApplicationsSection = lazy(() => import('./pages/applications.tsx'));
const SettingsPage = lazy(() => import('./pages/settings.tsx'));
const AuditPage = lazy(() => import('./pages/audit.tsx'));
const StaffPage = lazy(() => import('./pages/staff.tsx'));

type Section = { path: string; label: MessageKey; scope: string; element: ReactNode };
const SECTIONS: Section[] = [
  { path: '/', label: 'nav.home', scope: 'tenants:read', element: <HomePage /> },
  { path: '/customers', label: 'nav.customers', scope: 'customers:read', element: <CustomersSection /> },
  { path: '/applications', label: 'nav.applications', scope: 'apps:read', element: <ApplicationsSection /> },
  { path: '/settings', label: 'nav.settings', scope: 'tenants:write', element: <SettingsPage /> },
  { path: '/audit', label: 'nav.audit', scope: 'audit:read', element: <AuditPage /> },
  { path: '/staff', label: 'nav.staff', scope: 'staff:write', element: <StaffPage /> },
];

const TENANT_KEY = 'foyer.console.tenant';

type Phase =
  | { kind: 'loading' }
  | { kind: 'signed-out'; expired: boolean }
  | { kind: 'failed'; error: unknown }
  | { kind: 'ready'; manager: UserManager; user: User; caller: Caller; tenants: TenantSummary[] };

// The callback is completed once, even when React runs an effect twice in development.
let callbackOnce: Promise<User> | undefined;

export function App() {
  const { t } = useI18n();
  const [config, setConfig] = useState<ConsoleConfig>();
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const manager = useMemo(() => (config ? userManagerOf(config) : undefined), [config]);
  const userRef = useMemo(() => ({ current: undefined as User | undefined }), []);

  useEffect(() => {
    loadConfig().then(setConfig, (error: unknown) => setPhase({ kind: 'failed', error }));
  }, []);

  const enter = useCallback(async (um: UserManager, user: User, cfg: ConsoleConfig) => {
    userRef.current = user;
    const api = createApi(cfg.api, () => userRef.current?.access_token, () => setPhase({ kind: 'signed-out', expired: true }));
    const [caller, tenants] = await Promise.all([api.get<Caller>('/me'), api.get<Page<TenantSummary>>('/tenants?limit=200')]);
    setPhase({ kind: 'ready', manager: um, user, caller, tenants: tenants.items });
  }, [userRef]);

  useEffect(() => {
    if (!manager || !config) return;
    const run = async () => {
      if (location.pathname === `${BASE}/callback`) {
        callbackOnce ??= manager.signinCallback().then((user) => {
          if (!user) throw new Error('no user');
          return user;
        });
        const user = await callbackOnce;
        history.replaceState(null, '', `${BASE}${returnToOf(user)}`);
        return enter(manager, user, config);
      }
      const user = await manager.getUser();
      if (!user || user.expired) return setPhase({ kind: 'signed-out', expired: false });
      return enter(manager, user, config);
    };
    run().catch((error: unknown) => setPhase({ kind: 'failed', error }));
    manager.events.addUserLoaded((user) => {
      userRef.current = user;
    });
    manager.events.addSilentRenewError(() => setPhase({ kind: 'signed-out', expired: true }));
  }, [manager, config, enter, userRef]);

  const signIn = () => {
    const here = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
    const state: SignInState = { returnTo: here === '/callback' ? '/' : `${here}${location.search}` };
    void manager?.signinRedirect({ state, ui_locales: document.documentElement.lang });
  };

  if (phase.kind === 'loading') return <p className="loading page-center" role="status">{t('app.loading')}</p>;
  if (phase.kind === 'failed') {
    return (
      <main className="page-center" id="main">
        <h1>{t('app.name')}</h1>
        <p role="alert">{t('auth.failed', { detail: phase.error instanceof Error ? phase.error.message : String(phase.error) })}</p>
        <button type="button" onClick={signIn}>{t('auth.sign_in')}</button>
      </main>
    );
  }
  if (phase.kind === 'signed-out') {
    return (
      <main className="page-center" id="main">
        <h1>{t('auth.heading')}</h1>
        <p>{phase.expired ? t('auth.expired') : t('auth.intro')}</p>
        <button type="button" className="primary" onClick={signIn}>{t('auth.sign_in')}</button>
        <LanguagePicker />
      </main>
    );
  }
  return <Shell phase={phase} config={config!} userRef={userRef} />;
}

function LanguagePicker() {
  const { t, language, setLanguage } = useI18n();
  return (
    <label className="inline">
      {t('language.label')}{' '}
      <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, name]) => <option key={code} value={code} lang={code}>{name}</option>)}
      </select>
    </label>
  );
}

function Shell({ phase, config, userRef }: { phase: Extract<Phase, { kind: 'ready' }>; config: ConsoleConfig; userRef: { current: User | undefined } }) {
  const { t } = useI18n();
  const { manager, user, caller, tenants } = phase;
  const [tenant, setTenantState] = useState<string | undefined>(() => {
    const stored = localStorage.getItem(TENANT_KEY);
    return tenants.find((entry) => entry.slug === stored)?.slug ?? tenants[0]?.slug;
  });
  const session = useMemo<Session>(() => ({
    api: createApi(config.api, () => userRef.current?.access_token, () => void manager.signinRedirect({ state: { returnTo: '/' } })),
    caller,
    email: String(user.profile.email ?? user.profile.sub),
    tenants,
    tenant,
    setTenant: (slug) => {
      localStorage.setItem(TENANT_KEY, slug);
      setTenantState(slug);
    },
    signOut: () => {
      const idToken = user.id_token;
      void manager.removeUser().then(() => manager.signoutRedirect(idToken ? { id_token_hint: idToken } : {}));
    },
    can: (scope) => caller.scopes.includes(scope),
  }), [config, caller, user, tenants, tenant, manager, userRef]);
  const sections = SECTIONS.filter((section) => session.can(section.scope));

  return (
    <SessionContext.Provider value={session}>
      <BrowserRouter basename={BASE}>
        <a className="skip" href="#main">{t('app.skip')}</a>
        <header className="top">
          <span className="brand">{t('app.name')}</span>
          <label className="inline">
            {t('tenant.label')}{' '}
            <select value={tenant ?? ''} onChange={(event) => session.setTenant(event.target.value)} disabled={tenants.length === 0}>
              {tenants.length === 0 && <option value="">{t('tenant.none')}</option>}
              {tenants.map((entry) => <option key={entry.slug} value={entry.slug}>{entry.name}</option>)}
            </select>
          </label>
          <LanguagePicker />
          <span className="who">{session.email}{caller.role ? ` · ${t(`role.${caller.role}`)}` : ''}</span>
          <button type="button" onClick={session.signOut}>{t('auth.sign_out')}</button>
        </header>
        <div className="layout">
          <nav aria-label={t('nav.label')} className="side">
            <ul>
              {sections.map((section) => <li key={section.path}><NavLink to={section.path} end={section.path === '/'}>{t(section.label)}</NavLink></li>)}
            </ul>
          </nav>
          <main id="main" tabIndex={-1}>
            <Suspense fallback={<p className="loading" role="status">{t('app.loading')}</p>}>
              <Routes>
                {SECTIONS.map((section) => <Route key={section.path} path={section.path === '/' ? '/' : `${section.path}/*`} element={session.can(section.scope) ? section.element : <p className="notice" role="alert">{t('app.forbidden')}</p>} />)}
                <Route path="*" element={<ErrorState error={new Error(t('app.not_found'))} />} />
              </Routes>
            </Suspense>
          </main>
        </div>
      </BrowserRouter>
    </SessionContext.Provider>
  );
}
