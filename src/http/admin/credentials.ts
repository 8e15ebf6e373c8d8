// Who an admin API bearer token belongs to (ADR 0021). Tokens are JWTs (RFC 9068) that the admin
// tenant's provider signed for the admin API; they are verified here, against the admin tenant's
// published keys (read from storage at most every KEYS_FRESH_MS, or sooner when a token names an
// unknown key after a rotation), with issuer, audience, type and expiry checked. Then:
// - a machine (`sub` is its own `client_id`): its admin client must still exist, and it holds the
//   token's scopes that the client still holds, bound to the client's tenant;
// - a staff member (`sub` is an identity of the admin tenant): still active, with a role, which
//   gives the scopes. Clients and staff are re-read at most every PRINCIPAL_FRESH_MS, so deleting a
//   client or demoting someone takes effect within seconds (at once on the node that did it).
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { Tenant } from '../../domain/tenants/tenant.ts';
import { issuerOf } from '../../domain/tenants/tenant.ts';
import type { SigningKeyStore } from '../../domain/keys/signing-key.port.ts';
import type { IdentityStore } from '../../domain/identity/identity.port.ts';
import type { ApplicationStore } from '../../domain/applications/application.port.ts';
import { ALL_TENANTS } from '../../domain/applications/application.ts';
import type { AdminScope } from '../../domain/admin/scopes.ts';
import { ROLE_SCOPES, STAFF_SIGN_IN_SCOPE, isAdminScope } from '../../domain/admin/scopes.ts';
import { staffOf } from '../../domain/admin/staff.ts';
import type { AdminPrincipal } from './principal.ts';
import { adminApiUrlOf } from './admin-resource.ts';

const KEYS_FRESH_MS = 60_000;
/** At most one reload of the keys in this time for tokens naming unknown keys (a flood of forged kids). */
const KEYS_RELOAD_GAP_MS = 5_000;
const PRINCIPAL_FRESH_MS = 5_000;
const PRINCIPALS_REMEMBERED = 1_000;

type CredentialDeps = {
  readonly publicUrl: string;
  readonly adminTenant: Tenant;
  readonly stores: { readonly signingKeys: SigningKeyStore; readonly identities: IdentityStore; readonly applications: ApplicationStore };
  readonly now?: () => number;
};

export type AdminAuthenticator = {
  /** The principal of a valid token; undefined when the token is not one (the caller answers 401). */
  authenticate(token: string): Promise<{ principal: AdminPrincipal } | { invalid: string }>;
  /** Forgets what is remembered of a staff member or client, after this node changed it. */
  forget(id: string): void;
};

type KeySet = { verify: ReturnType<typeof createLocalJWKSet>; loadedAt: number };

export function createAdminAuthenticator(deps: CredentialDeps): AdminAuthenticator {
  const now = deps.now ?? Date.now;
  const issuer = issuerOf(deps.publicUrl, deps.adminTenant);
  const audience = adminApiUrlOf(deps.publicUrl);
  const tenantId = deps.adminTenant.id;
  let keys: Promise<KeySet> | undefined;
  const principals = new Map<string, { at: number; principal: Promise<Omit<AdminPrincipal, 'scopes'> & { scopes: readonly AdminScope[] } | undefined> }>();

  function loadKeys(): Promise<KeySet> {
    const loading = deps.stores.signingKeys.listPublished(tenantId, now()).then((published) => ({
      verify: createLocalJWKSet({ keys: published.map((key) => ({ ...key.publicJwk })) }),
      loadedAt: now(),
    }));
    keys = loading;
    loading.catch(() => {
      if (keys === loading) keys = undefined;
    });
    return loading;
  }

  async function verify(token: string): Promise<JWTPayload> {
    let current = await (keys && now() - (await keys).loadedAt < KEYS_FRESH_MS ? keys : loadKeys());
    const options = { issuer, audience, typ: 'at+jwt', algorithms: ['ES256', 'RS256'], clockTolerance: 5 };
    try {
      return (await jwtVerify(token, current.verify, options)).payload;
    } catch (error) {
      // A key rotated in since the last load: read the keys again (not for every forged kid).
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || now() - current.loadedAt < KEYS_RELOAD_GAP_MS) throw error;
      current = await loadKeys();
      return (await jwtVerify(token, current.verify, options)).payload;
    }
  }

  /** The stored side of a principal (client or staff member), remembered briefly. */
  function storedPrincipal(kind: 'staff' | 'machine', id: string) {
    const key = `${kind}:${id}`;
    const hit = principals.get(key);
    if (hit && now() - hit.at < PRINCIPAL_FRESH_MS) return hit.principal;
    if (principals.size >= PRINCIPALS_REMEMBERED) principals.clear();
    const principal = kind === 'machine' ? machineOf(id) : staffMemberOf(id);
    principals.set(key, { at: now(), principal });
    principal.catch(() => principals.delete(key));
    return principal;
  }

  async function machineOf(clientId: string) {
    const application = await deps.stores.applications.findById(tenantId, clientId);
    const access = application?.kind === 'machine' ? application.adminAccess : null;
    if (!access) return undefined;
    return { kind: 'machine' as const, id: clientId, scopes: access.scopes, role: null, tenant: access.tenant === ALL_TENANTS ? null : access.tenant, masked: false };
  }

  async function staffMemberOf(identityId: string) {
    const identity = await deps.stores.identities.findById(tenantId, identityId);
    const member = identity && identity.status === 'active' ? staffOf(identity) : undefined;
    if (!member) return undefined;
    return { kind: 'staff' as const, id: identityId, scopes: ROLE_SCOPES[member.role], role: member.role, tenant: null, masked: member.role === 'analyst' };
  }

  return {
    async authenticate(token) {
      let payload: JWTPayload;
      try {
        payload = await verify(token);
      } catch {
        return { invalid: 'unknown, expired, or not issued for the admin API' };
      }
      // A sender-constrained (DPoP) token is refused as a bearer token: its holder must prove the key.
      if (payload['cnf'] !== undefined) return { invalid: 'sender-constrained tokens cannot be used as bearer tokens' };
      const clientId = payload['client_id'];
      if (typeof payload.sub !== 'string' || typeof clientId !== 'string') return { invalid: 'it names no subject or client' };
      const granted = new Set(typeof payload['scope'] === 'string' ? payload['scope'].split(' ') : []);
      const machine = payload.sub === clientId;
      if (!machine && !granted.has(STAFF_SIGN_IN_SCOPE)) return { invalid: `a staff member's token needs the "${STAFF_SIGN_IN_SCOPE}" scope` };
      const stored = await storedPrincipal(machine ? 'machine' : 'staff', payload.sub);
      if (!stored) return { invalid: machine ? 'the admin client no longer exists or holds no admin access' : 'the staff member no longer exists, is blocked, or has no role' };
      // A machine holds what its token was given and its client still holds; staff what their role gives now.
      const scopes = machine ? stored.scopes.filter((scope) => granted.has(scope)) : stored.scopes;
      return { principal: { ...stored, scopes: new Set(scopes.filter(isAdminScope)) } };
    },
    forget(id) {
      principals.delete(`staff:${id}`);
      principals.delete(`machine:${id}`);
    },
  };
}
