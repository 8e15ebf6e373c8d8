// The console's customer list as React renders it (happy-dom, test/helpers/console-dom.ts), with a
// fake admin API: an analyst gets no search box and masked rows ("hidden" names, the shortened
// email); the filters, the verified one included, become the list's query; a role that may search
// gets the search box.
import '../helpers/console-dom.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Api } from '../../console/src/api.ts';
import type { Caller, Session } from '../../console/src/session.tsx';

const { act, createElement } = await import('react');
const { createRoot } = await import('react-dom/client');
const { MemoryRouter, Route, Routes } = await import('react-router');
const { default: CustomersSection } = await import('../../console/src/pages/customers.tsx');
const { SessionContext } = await import('../../console/src/session.tsx');
const { I18nProvider } = await import('../../console/src/i18n/i18n.tsx');

const TENANT = 'acme';
const MASKED_ROW = { id: 'c1', status: 'active', masked_email: 'a•••@example.com', email_verified: true, created_at: '2026-01-01T00:00:00.000Z', last_signed_in_at: null };
const FULL_ROW = {
  id: 'c2', external_id: null, status: 'active', traits: { email: 'ada@example.com', name: 'Ada Lovelace' },
  addresses: [{ kind: 'email', value: 'ada@example.com', verified: false, verified_at: null }],
  metadata_public: {}, metadata_admin: {}, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', last_signed_in_at: null,
};

const mounted: { unmount(): void }[] = [];
after(() => {
  for (const root of mounted) act(() => root.unmount());
});

const settle = async () => {
  for (let round = 0; round < 5; round++) await act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
};

async function renderList(role: 'analyst' | 'admin') {
  const queries: URLSearchParams[] = [];
  const row = role === 'analyst' ? MASKED_ROW : FULL_ROW;
  const api: Api = {
    get: async <T>(path: string) => {
      const [where, search = ''] = path.split('?');
      assert.equal(where, `/tenants/${TENANT}/customers`);
      queries.push(new URLSearchParams(search));
      return { items: [row], next_cursor: null } as T;
    },
    send: async () => { throw new Error('nothing is sent from the list'); },
    text: async () => '',
  };
  const scopes = role === 'analyst' ? ['tenants:read', 'customers:read', 'stats:read'] : ['tenants:read', 'customers:read', 'customers:write'];
  const caller: Caller = { kind: 'staff', id: role, role, scopes, tenant: null, masked: role === 'analyst' };
  const session: Session = { api, caller, email: `${role}@example.com`, tenants: [{ slug: TENANT, name: 'Acme' }], tenant: TENANT, setTenant: () => {}, signOut: () => {}, can: (scope: string) => scopes.includes(scope) };
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  mounted.push(root);
  await act(async () => root.render(createElement(I18nProvider, null,
    createElement(SessionContext.Provider, { value: session },
      createElement(MemoryRouter, { initialEntries: ['/customers'] },
        createElement(Routes, null, createElement(Route, { path: '/customers/*', element: createElement(CustomersSection) })))))));
  await settle();
  return { container, queries };
}

test('an analyst gets no search box, masked rows, and filters that become the query (verified too)', async () => {
  const { container, queries } = await renderList('analyst');
  assert.equal(container.querySelector('#customer-search'), null, 'no text search for a masked role');
  const cells = [...container.querySelectorAll('table.customers tbody td')].map((cell) => cell.textContent);
  assert.match(cells[0] ?? '', /^a•••@example\.com ✓/);
  assert.equal(cells[1], 'hidden');
  assert.match(container.textContent ?? '', /Your role sees customers masked/);

  const verified = container.querySelector<HTMLSelectElement>('#filter-verified')!;
  assert.equal(container.querySelector(`label[for="filter-verified"]`)?.textContent, 'Email verified');
  await act(async () => {
    verified.value = 'false';
    verified.dispatchEvent(new window.Event('change', { bubbles: true }));
  });
  await settle();
  const last = queries.at(-1)!;
  assert.equal(last.get('verified'), 'false');
  assert.equal(last.get('email_prefix'), null, 'never a personal criterion');
});

test('a role that may search gets the search box and the names', async () => {
  const { container } = await renderList('admin');
  assert.ok(container.querySelector('#customer-search'));
  const cells = [...container.querySelectorAll('table.customers tbody td')].map((cell) => cell.textContent);
  assert.deepEqual(cells.slice(0, 2), ['ada@example.com', 'Ada Lovelace']);
});
