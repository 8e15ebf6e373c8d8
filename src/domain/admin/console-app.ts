// The admin console's application: a public client (single-page, PKCE) of the admin tenant with a
// fixed client id, which every start ensures exists and points at this installation's public URL.
// It has no admin access of its own: the staff member who signs in through it acts with their role.
import type { Application } from '../applications/application.ts';
import { ensureBuiltInApplication } from '../applications/applications.service.ts';

export const CONSOLE_CLIENT_ID = 'foyer-console';
export const CONSOLE_PATH = '/console';

type EnsureDeps = Parameters<typeof ensureBuiltInApplication>[0];

/** The console's callback and where it lands after signing out, under `publicUrl`. */
function consoleUrisOf(publicUrl: string): { redirectUris: string[]; postLogoutRedirectUris: string[] } {
  return { redirectUris: [`${publicUrl}${CONSOLE_PATH}/callback`], postLogoutRedirectUris: [`${publicUrl}${CONSOLE_PATH}/`] };
}

export async function ensureConsoleApplication(deps: EnsureDeps, adminTenantId: string, publicUrl: string): Promise<Application> {
  const ensure = () => ensureBuiltInApplication(deps, adminTenantId, CONSOLE_CLIENT_ID, { name: 'Foyer console', kind: 'spa', firstParty: true, ...consoleUrisOf(publicUrl) });
  try {
    return await ensure();
  } catch (error) {
    // Two nodes starting at once both found it missing; the loser's insert failed: it exists now.
    try {
      return await ensure();
    } catch {
      throw error;
    }
  }
}
