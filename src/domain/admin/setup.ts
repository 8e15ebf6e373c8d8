// The first run: while the admin tenant has no owner, a one-time setup link (printed in the server's
// log at start, or by `foyer admin setup`) opens a page that creates the first owner. A link is
// random (256 bits), stored only as its SHA-256, expires after SETUP_LINK_TTL_MS, and works once;
// `foyer admin setup` revokes every earlier unused link; once an owner exists no link works, and only owners add staff (staff.ts).
import { createHash } from 'node:crypto';
import { randomString } from '../../lib/random.ts';
import { DomainError } from '../errors.ts';
import type { IdentityStore } from '../identity/identity.port.ts';
import type { RequestContext } from '../audit/audit.ts';
import type { SetupLinkStore } from './setup-link.port.ts';
import type { StaffDeps, StaffMember, StaffWriteStores } from './staff.ts';
import { createStaff, hasOwner } from './staff.ts';

export const SETUP_LINK_TTL_MS = 60 * 60 * 1000;

/** The path of the setup page below the public URL. */
export const SETUP_PATH = '/admin/setup';

export function setupLinkOf(publicUrl: string, token: string): string {
  // In the query, as `token`: request logs mask that parameter (infra/logging/logger.ts).
  return `${publicUrl}${SETUP_PATH}?token=${encodeURIComponent(token)}`;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * A new setup link's token, or undefined when an owner exists already (nothing to set up). With
 * `replaceEarlier` (an operator asked for a new link: `foyer admin setup`) every earlier unused
 * link stops working, so a link that leaked from an old log is dead. A node's start does not
 * replace: each node of a cluster logs its own link, and one node starting must not kill the link
 * the operator is about to open from another node's log.
 */
export async function issueSetupLink(
  deps: { setupLinks: SetupLinkStore; identities: IdentityStore; now?: () => number },
  adminTenantId: string,
  options: { readonly replaceEarlier?: boolean } = {},
): Promise<string | undefined> {
  if (await hasOwner(deps, adminTenantId)) return undefined;
  const now = (deps.now ?? Date.now)();
  const token = randomString(32, 'base64url');
  if (options.replaceEarlier) await deps.setupLinks.revokeUnused(now);
  await deps.setupLinks.insert({ tokenHash: hashOf(token), createdAt: now, expiresAt: now + SETUP_LINK_TTL_MS });
  return token;
}

/** Whether the link may still create the first owner (to show the form, or say it cannot). */
export async function setupLinkUsable(deps: { setupLinks: SetupLinkStore; identities: IdentityStore; now?: () => number }, adminTenantId: string, token: string): Promise<boolean> {
  const now = (deps.now ?? Date.now)();
  return (await deps.setupLinks.isUsable(hashOf(token), now)) && !(await hasOwner(deps, adminTenantId));
}

/**
 * Creates the first owner through the link: DomainError `setup.link_invalid` when the link is
 * unknown, expired or used, or an owner exists. The link is consumed in the owner's transaction,
 * so of two submissions only one creates an owner.
 */
export async function createFirstOwner(
  deps: StaffDeps<StaffWriteStores & { setupLinks: SetupLinkStore }>,
  adminTenantId: string,
  token: string,
  input: { email: string; password: string },
  context: RequestContext,
): Promise<StaffMember> {
  const now = (deps.now ?? Date.now)();
  return createStaff(deps, adminTenantId, { ...input, role: 'owner' }, { type: 'system', id: 'setup-link', context }, async (stores) => {
    if (!(await stores.setupLinks.consume(hashOf(token), now)) || (await hasOwner(stores, adminTenantId))) {
      throw new DomainError('setup.link_invalid', 'not_found', 'This setup link is unknown, expired or used, or an owner exists already.');
    }
  });
}
