// The console's customer page as React renders it (happy-dom, test/helpers/console-dom.ts), with a
// fake admin API: the profile form generated from the tenant's trait schema (a field of the right
// kind per trait, required ones marked, problems beside their field before anything is sent, a
// merge patch of only what changed), read-only without customers:write, and the analyst's masked
// customer (the masked email, no profile form, no names, no actions).
import '../helpers/console-dom.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Api } from '../../console/src/api.ts';
import type { Caller, Session } from '../../console/src/session.tsx';

// After the DOM and the .tsx hook exist: React DOM decides at load whether it has a DOM.
const { act, createElement } = await import('react');
const { createRoot } = await import('react-dom/client');
const { MemoryRouter, Route, Routes } = await import('react-router');
const { default: CustomerPage } = await import('../../console/src/pages/customer.tsx');
const { SessionContext } = await import('../../console/src/session.tsx');
const { I18nProvider } = await import('../../console/src/i18n/i18n.tsx');

const TENANT = 'acme';
const ID = '0190c0de-0000-7000-8000-000000000001';
const BASE = `/tenants/${TENANT}/customers/${ID}`;

const SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email', title: 'Email', 'x-foyer': { identifier: true, verifiable: 'email' } },
    name: { type: 'string', title: 'Full name', maxLength: 20 },
    plan: { type: 'string', title: 'Plan', enum: ['free', 'pro'] },
    age: { type: 'integer', title: 'Age', minimum: 0 },
    newsletter: { type: 'boolean', title: 'Newsletter' },
  },
  required: ['email'],
};

const FULL = {
  id: ID,
  external_id: null,
  status: 'active',
  traits: { email: 'ada@example.com', name: 'Ada', plan: 'pro', age: 36, newsletter: true },
  addresses: [{ kind: 'email', value: 'ada@example.com', verified: true, verified_at: '2026-01-02T03:04:05.000Z' }],
  metadata_public: {},
  metadata_admin: {},
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  last_signed_in_at: null,
};
const MASKED = { id: ID, status: 'active', masked_email: 'a•••@example.com', email_verified: true, created_at: '2026-01-01T00:00:00.000Z', last_signed_in_at: null };

const ROLE_SCOPES: Record<'admin' | 'support' | 'analyst', string[]> = {
  admin: ['tenants:read', 'customers:read', 'customers:write', 'customers:support', 'customers:mfa_reset', 'customers:erase'],
  support: ['tenants:read', 'customers:read', 'customers:support', 'customers:mfa_reset'],
  analyst: ['tenants:read', 'customers:read', 'stats:read'],
};

type Call = { method: string; path: string; body?: unknown };

function fakeApi(customer: object, calls: Call[]): Api {
  const answer = (path: string): unknown => {
    if (path === BASE) return customer;
    if (path === `/tenants/${TENANT}`) return { slug: TENANT, name: 'Acme', settings: { identitySchema: SCHEMA } };
    if (path.startsWith(`${BASE}/`)) return { items: [], next_cursor: null };
    throw new Error(`unexpected GET ${path}`);
  };
  return {
    get: async <T>(path: string) => {
      calls.push({ method: 'GET', path });
      return answer(path) as T;
    },
    send: async <T>(method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body });
      return customer as T;
    },
    text: async () => '',
  };
}

const mounted: { unmount(): void }[] = [];
after(() => {
  for (const root of mounted) act(() => root.unmount());
});

/** Renders the customer's page for a caller of `role` and waits until its loads have settled. */
async function renderPage(role: keyof typeof ROLE_SCOPES, customer: object): Promise<{ container: HTMLElement; calls: Call[] }> {
  const calls: Call[] = [];
  const scopes = ROLE_SCOPES[role];
  const caller: Caller = { kind: 'staff', id: `staff-${role}`, role, scopes, tenant: null, masked: role === 'analyst' };
  const session: Session = { api: fakeApi(customer, calls), caller, email: `${role}@example.com`, tenants: [{ slug: TENANT, name: 'Acme' }], tenant: TENANT, setTenant: () => {}, signOut: () => {}, can: (scope) => scopes.includes(scope) };
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  mounted.push(root);
  const tree = createElement(I18nProvider, null,
    createElement(SessionContext.Provider, { value: session },
      createElement(MemoryRouter, { initialEntries: [`/customers/${ID}`] },
        createElement(Routes, null, createElement(Route, { path: '/customers/:id', element: createElement(CustomerPage, { tenant: TENANT }) })))));
  await act(async () => root.render(tree));
  // Each useLoad resolves on a later tick; let them all land.
  for (let round = 0; round < 5; round++) await act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
  return { container, calls };
}

/** Types into a React-controlled input the way a browser does: the native value setter, then an input event. */
async function type(element: HTMLInputElement, text: string): Promise<void> {
  await act(async () => {
    Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, 'value')!.set!.call(element, text);
    element.dispatchEvent(new window.Event('input', { bubbles: true }));
  });
}

const labelOf = (container: HTMLElement, id: string) => container.querySelector(`label[for="${id}"]`)?.textContent;
const input = (container: HTMLElement, id: string) => container.querySelector<HTMLInputElement>(`#${id}`);
const buttons = (container: HTMLElement) => [...container.querySelectorAll('button')].map((button) => button.textContent);

test('the profile is a form generated from the trait schema: a field of each trait’s kind, holding its value, required ones marked and first', async () => {
  const { container } = await renderPage('admin', FULL);
  assert.equal(container.querySelector('h1')?.textContent, 'ada@example.com');
  const ids = [...container.querySelectorAll('[id^="trait-"]:not([id$="-problem"])')].map((element) => element.id);
  assert.deepEqual(ids, ['trait-email', 'trait-name', 'trait-plan', 'trait-age', 'trait-newsletter'], 'required first, then the schema’s order');
  assert.equal(input(container, 'trait-email')?.type, 'email');
  assert.equal(input(container, 'trait-email')?.required, true);
  assert.equal(labelOf(container, 'trait-email'), 'Email (required)');
  assert.equal(labelOf(container, 'trait-name'), 'Full name');
  assert.equal(input(container, 'trait-name')?.value, 'Ada');
  assert.equal(input(container, 'trait-name')?.maxLength, 20);
  const plan = container.querySelector<HTMLSelectElement>('#trait-plan')!;
  assert.equal(plan.tagName, 'SELECT', 'an enum is a choice');
  assert.deepEqual([...plan.options].map((option) => option.value), ['', 'free', 'pro']);
  assert.equal(plan.value, 'pro');
  assert.deepEqual([input(container, 'trait-age')?.type, input(container, 'trait-age')?.value, input(container, 'trait-age')?.min], ['number', '36', '0']);
  assert.deepEqual([input(container, 'trait-newsletter')?.type, input(container, 'trait-newsletter')?.checked], ['checkbox', true]);
  assert.ok(buttons(container).includes('Save profile'));
  assert.ok(buttons(container).includes('Block'));
});

test('problems show beside their field before anything is sent; a valid change is sent as a merge patch of what changed', async () => {
  const { container, calls } = await renderPage('admin', FULL);
  const save = [...container.querySelectorAll('button')].find((button) => button.textContent === 'Save profile')!;
  await type(input(container, 'trait-email')!, '');
  await act(async () => save.click());
  const problem = container.querySelector('#trait-email-problem');
  assert.equal(problem?.textContent, 'This field is required.');
  assert.equal(problem?.getAttribute('role'), 'alert');
  assert.equal(input(container, 'trait-email')?.getAttribute('aria-invalid'), 'true');
  assert.equal(input(container, 'trait-email')?.getAttribute('aria-describedby'), 'trait-email-problem');
  assert.deepEqual(calls.filter((call) => call.method !== 'GET'), [], 'nothing sent while a problem shows');

  await type(input(container, 'trait-email')!, 'ada@example.com');
  await type(input(container, 'trait-name')!, 'Ada Lovelace');
  await act(async () => save.click());
  assert.equal(container.querySelector('#trait-email-problem'), null, 'the problem is gone');
  assert.deepEqual(calls.filter((call) => call.method !== 'GET'), [{ method: 'PATCH', path: BASE, body: { traits: { name: 'Ada Lovelace' } } }]);
});

test('without customers:write the profile is read-only (support): disabled fields, no save button; the support actions show', async () => {
  const { container } = await renderPage('support', FULL);
  assert.equal(input(container, 'trait-name')?.disabled, true);
  assert.equal(input(container, 'trait-name')?.value, 'Ada');
  assert.ok(!buttons(container).includes('Save profile'));
  assert.ok(buttons(container).includes('Block'));
});

test('an analyst sees the customer masked: the shortened email, the note, no profile form, no names, no actions', async () => {
  const { container } = await renderPage('analyst', MASKED);
  assert.equal(container.querySelector('h1')?.textContent, 'a•••@example.com');
  assert.match(container.textContent ?? '', /Your role sees customers masked/);
  assert.equal(container.querySelectorAll('[id^="trait-"]').length, 0, 'no profile form');
  assert.equal(container.querySelectorAll('form').length, 0);
  assert.doesNotMatch(container.textContent ?? '', /Ada|ada@example\.com/);
  assert.ok(!buttons(container).some((label) => label === 'Block' || label === 'Save profile' || label === 'Erase'), `no actions: ${buttons(container).join(', ')}`);
});
