// What the client-library tests share: an application's own web server on 127.0.0.1 (its port is
// known before the application is registered, since redirect URIs match exactly), a customer with
// a verified email and a name, and the hosted sign-in page filled in Chromium.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { createIdentityByOperator } from '../../src/domain/identity/identities.service.ts';
import type { TestServer } from './test-server.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export type AppServer = { readonly url: string; serve(handler: Handler): void; close(): Promise<void> };

/** Listens first; the application (Express, a static page) is plugged in once it is configured. */
export async function startAppServer(): Promise<AppServer> {
  let current: Handler = (_request, response) => void response.writeHead(503).end();
  const server: Server = createServer((request, response) => current(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve: (handler) => void (current = handler),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export type Customer = { readonly email: string; readonly password: string; readonly name: string };

export async function createCustomer(server: TestServer, customer: Customer): Promise<void> {
  const deps = { transaction: server.transaction, tenants: server.stores.tenants };
  const input = { traits: { email: customer.email, name: customer.name }, password: customer.password, verified: true };
  await createIdentityByOperator(deps, server.defaultTenant.id, input, { type: 'operator', id: 'test' });
}

/** On Foyer's sign-in page: email, password, and the button. */
export async function signInOnHostedPage(page: Page, customer: Customer): Promise<void> {
  await page.getByLabel('Email').fill(customer.email);
  await page.getByLabel('Password').fill(customer.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}
