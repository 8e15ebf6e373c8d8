// Use cases of the keys module: each tenant's token signing keys are generated on first use,
// stored with the private half sealed by the secret box, rotated on demand, and handed to
// oidc-provider as its `jwks`. Writes hold the tenant's key-set lock, so two nodes doing the same
// thing at once never leave a tenant with two active keys of one algorithm.
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { AuditStore } from '../audit/audit.port.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import { ValidationError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { SigningKeyStore } from './signing-key.port.ts';
import type { SecretBox } from './secret-box.port.ts';
import type { NewSigningKey, PrivateSigningJwk, PublicSigningJwk, SigningAlgorithm, SigningKey, SigningKeySummary } from './signing-key.ts';
import { SIGNING_ALGORITHMS, jwkThumbprint, signingKeyContext, summarizeSigningKey } from './signing-key.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

/**
 * How long a retired key stays published when nothing says otherwise: the longest lifetime of a
 * token Foyer signs (ID tokens, JWT access tokens, logout tokens) must not exceed it.
 */
export const DEFAULT_MAX_SIGNED_TOKEN_LIFETIME_SECONDS = 86_400;

type KeyWriteStores = { signingKeys: SigningKeyStore; audit: AuditStore };

export type KeysDeps = {
  readonly transaction: UnitOfWork<KeyWriteStores>;
  readonly keys: SigningKeyStore;
  readonly secretBox: SecretBox;
  readonly now?: () => number;
};

type RotateOptions = { readonly now: number; readonly maxTokenLifetimeSeconds: number; readonly actor: Actor };

type RotationResult = { added: SigningKeySummary[]; retired: SigningKeySummary[] };

/**
 * Gives the tenant an active ES256 and RS256 key if it lacks one. Concurrent callers (several
 * nodes on first use) serialise on the tenant's key-set lock; the later ones find the keys the
 * first one added and drop what they generated.
 */
export async function ensureSigningKeys(deps: KeysDeps, tenantId: string): Promise<void> {
  const now = (deps.now ?? Date.now)();
  const lacking = missingAlgorithms(await deps.keys.listPublished(tenantId, now));
  if (lacking.length === 0) return;
  // Generated before the transaction: RSA key generation takes tens of milliseconds, too long to hold a lock for.
  const candidates = await Promise.all(lacking.map((algorithm) => generateSigningKey(deps.secretBox, tenantId, algorithm, now)));
  await deps.transaction(async ({ signingKeys, audit }) => {
    await signingKeys.lockTenantKeys(tenantId);
    const missing = missingAlgorithms(await signingKeys.listPublished(tenantId, now));
    const added: SigningKey[] = [];
    for (const candidate of candidates.filter((key) => missing.includes(key.algorithm))) {
      added.push(await signingKeys.insert(candidate));
    }
    if (added.length === 0) return;
    await audit.append({
      id: uuidv7(now),
      occurredAt: now,
      tenantId,
      action: 'keys.generated',
      outcome: 'success',
      actor: { type: 'system' },
      target: { type: 'tenant', id: tenantId },
      details: { added: added.map(auditedKey) },
    });
  });
}

/**
 * Adds new active keys for every algorithm and retires the previous ones, which stay published
 * until `now + maxTokenLifetimeSeconds` so tokens they signed keep verifying. Keys whose
 * publication has ended are deleted on the way.
 */
export async function rotateSigningKeys(deps: KeysDeps, tenantId: string, options: RotateOptions): Promise<RotationResult> {
  const { now, maxTokenLifetimeSeconds, actor } = options;
  if (!Number.isSafeInteger(maxTokenLifetimeSeconds) || maxTokenLifetimeSeconds <= 0) {
    throw new ValidationError([
      { field: 'maxTokenLifetimeSeconds', code: 'keys.lifetime_invalid', message: 'Give the longest token lifetime as a positive whole number of seconds.' },
    ]);
  }
  const unpublishAt = now + maxTokenLifetimeSeconds * 1000;
  const candidates = await Promise.all(SIGNING_ALGORITHMS.map((algorithm) => generateSigningKey(deps.secretBox, tenantId, algorithm, now)));
  return deps.transaction(async ({ signingKeys, audit }) => {
    await signingKeys.lockTenantKeys(tenantId);
    const previous = (await signingKeys.listPublished(tenantId, now)).filter((key) => key.status === 'active');
    await signingKeys.retire(tenantId, previous.map((key) => key.id), { retiredAt: now, unpublishAt });
    const added: SigningKey[] = [];
    for (const candidate of candidates) added.push(await signingKeys.insert(candidate));
    const removed = await signingKeys.deleteUnpublished(tenantId, now);
    const retired: SigningKeySummary[] = previous.map((key) => ({ ...summarizeSigningKey(key), status: 'retired', retiredAt: now, unpublishAt }));
    await audit.append({
      id: uuidv7(now),
      occurredAt: now,
      tenantId,
      action: 'keys.rotated',
      outcome: 'success',
      actor: { type: actor.type, id: actor.id },
      target: { type: 'tenant', id: tenantId },
      context: actor.context,
      details: { added: added.map(auditedKey), retired: retired.map((key) => key.kid), unpublishAt, unpublishedKeysDeleted: removed },
    });
    return { added: added.map(summarizeSigningKey), retired };
  });
}

/** What operators see of the tenant's published keys (active first): never any key material. */
export async function listSigningKeys(deps: Pick<KeysDeps, 'keys'>, tenantId: string, now: number): Promise<SigningKeySummary[]> {
  return (await deps.keys.listPublished(tenantId, now)).map(summarizeSigningKey);
}

/**
 * The tenant's still-published keys as oidc-provider's `jwks` option takes them: private JWKs with
 * `kid`, `alg` and `use: 'sig'`, active keys first.
 *
 * Why the order matters (read in oidc-provider 9.13, lib/helpers/keystore.js and
 * lib/models/id_token.js): to sign, it takes `[jwk] = keystore.selectForSign({ alg, use: 'sig' })`,
 * the first element of the keys matching the alg (and kty, crv), kept in the order of the `jwks`
 * option and then stably sorted by a score that only counts whether `alg` and `use` are set. Every
 * key here sets both, so the first matching key of the array signs. Retired keys follow the active
 * ones: they still verify (and their public parts are published at /jwks) but never sign.
 */
export async function loadSigningJwks(deps: Pick<KeysDeps, 'keys' | 'secretBox'>, tenantId: string, now: number): Promise<{ keys: PrivateSigningJwk[] }> {
  const published = await deps.keys.listPublished(tenantId, now);
  const ordered = [...published.filter((key) => key.status === 'active'), ...published.filter((key) => key.status !== 'active')];
  return {
    keys: ordered.map((key) => {
      const privateJwk = JSON.parse(deps.secretBox.open(key.sealedPrivateJwk, signingKeyContext(tenantId, key.kid))) as Record<string, string>;
      return { ...privateJwk, kid: key.kid, alg: key.algorithm, use: 'sig' } as PrivateSigningJwk;
    }),
  };
}

function missingAlgorithms(keys: readonly SigningKey[]): SigningAlgorithm[] {
  return SIGNING_ALGORITHMS.filter((algorithm) => !keys.some((key) => key.status === 'active' && key.algorithm === algorithm));
}

function auditedKey(key: SigningKey | SigningKeySummary): { kid: string; algorithm: SigningAlgorithm } {
  return { kid: key.kid, algorithm: key.algorithm };
}

const generateKeyPairAsync = promisify(generateKeyPair);

async function generateSigningKey(secretBox: SecretBox, tenantId: string, algorithm: SigningAlgorithm, now: number): Promise<NewSigningKey> {
  const { privateKey } =
    algorithm === 'ES256' ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' }) : await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(privateJwk);
  const common = { kid, alg: algorithm, use: 'sig' } as const;
  const publicJwk: PublicSigningJwk =
    algorithm === 'ES256'
      ? { kty: 'EC', crv: privateJwk.crv!, x: privateJwk.x!, y: privateJwk.y!, ...common }
      : { kty: 'RSA', n: privateJwk.n!, e: privateJwk.e!, ...common };
  return {
    id: uuidv7(now),
    tenantId,
    algorithm,
    publicJwk,
    sealedPrivateJwk: secretBox.seal(JSON.stringify(privateJwk), signingKeyContext(tenantId, kid)),
    createdAt: now,
  };
}
