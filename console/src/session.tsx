// The signed-in staff member as every page sees it: the API client with their token, who they are
// (/me: role, scopes, whether customers reach them masked), and the tenant they are looking at.
import { createContext, useContext } from 'react';
import type { Api } from './api.ts';

export type Caller = { readonly kind: 'staff' | 'machine'; readonly id: string; readonly role: 'owner' | 'admin' | 'support' | 'analyst' | null; readonly scopes: readonly string[]; readonly tenant: string | null; readonly masked: boolean };
export type TenantSummary = { readonly slug: string; readonly name: string };

export type Session = {
  readonly api: Api;
  readonly caller: Caller;
  readonly email: string;
  readonly tenants: readonly TenantSummary[];
  readonly tenant: string | undefined;
  readonly setTenant: (slug: string) => void;
  readonly signOut: () => void;
  readonly can: (scope: string) => boolean;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
