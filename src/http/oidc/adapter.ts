// oidc-provider's storage adapter for one tenant's Provider, on the OidcArtifactStore port.
// oidc-provider asks the factory for one adapter per model (Session, Grant, AccessToken,
// Interaction…) and relies on these semantics: expiresIn is in seconds; find answers undefined once
// an artifact is gone or expired; a consumed artifact comes back with `consumed` (epoch seconds),
// which is how reuse of a code or refresh token is detected; revokeByGrantId drops everything of
// the grant. The `Client` model does not come here: provider.ts gives it its own lookup, of the
// tenant's applications (shared/client-cache.ts) and the built-in account client.
// While the provider answers a request, upserts and destroys wait in the request's batch and are
// saved together before the answer is sent (artifact-batch.ts).
import { errors } from 'oidc-provider';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { OidcArtifactStore, StoredOidcArtifact } from '../../domain/oauth/oidc-artifact.port.ts';
import { requestDevice } from './request-device.ts';
import { currentArtifactBatch } from './artifact-batch.ts';
import type { BatchTarget } from './artifact-batch.ts';

export function createOidcAdapter(store: OidcArtifactStore, tenantId: string, now: () => number = Date.now): AdapterFactory {
  // oidc-provider revokes a grant by calling revokeByGrantId on up to six models at once; the store
  // already deletes every model's rows of the grant, so concurrent calls share one delete instead of
  // racing several identical ones (which PostgreSQL would serialise on row locks).
  const revocations = new Map<string, Promise<void>>();
  const target: BatchTarget = { store, tenantId };

  function revokeGrant(grantId: string): Promise<void> {
    let revocation = revocations.get(grantId);
    if (!revocation) {
      revocation = store.revokeByGrantId(tenantId, grantId).finally(() => revocations.delete(grantId));
      revocations.set(grantId, revocation);
    }
    return revocation;
  }

  return (model: string): Adapter => ({
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      // Dynamically registered clients are stored without a lifetime: they live until deleted.
      const expiresAt = typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? now() + expiresIn * 1000 : null;
      // A session remembers the device it was created from and when it was last saved (portal).
      const device = model === 'Session' ? requestDevice() : undefined;
      const seen = device ? { device, at: now() } : undefined;
      if (currentArtifactBatch()?.add(target, { kind: 'upsert', model, id, payload: { ...payload }, expiresAt, seen })) return;
      await store.upsert(tenantId, model, id, { ...payload }, expiresAt, seen);
    },

    async find(id: string) {
      await currentArtifactBatch()?.readyFor(target, model, id);
      return toPayload(await store.find(tenantId, model, id, now()));
    },

    async findByUid(uid: string) {
      await currentArtifactBatch()?.readyFor(target, model);
      return toPayload(await store.findByUid(tenantId, model, uid, now()));
    },

    async findByUserCode(userCode: string) {
      await currentArtifactBatch()?.readyFor(target, model);
      return toPayload(await store.findByUserCode(tenantId, model, userCode, now()));
    },

    async consume(id: string) {
      const batch = currentArtifactBatch();
      await batch?.readyFor(target, model, id);
      if (await store.consume(tenantId, model, id, now())) return;
      // oidc-provider checks `consumed` and then consumes, in two steps: a concurrent request with
      // the same code or refresh token passed the check too. Treat it as the replay it is, as
      // oidc-provider does: revoke what the grant issued, and refuse.
      const grantId = (await store.find(tenantId, model, id, now()))?.payload['grantId'];
      if (typeof grantId === 'string') {
        await batch?.flush();
        await store.revokeByGrantId(tenantId, grantId);
      }
      if (model === 'PushedAuthorizationRequest') throw new errors.InvalidRequestUri('request_uri was already used');
      throw new errors.InvalidGrant(`${model} already used`);
    },

    async destroy(id: string) {
      if (currentArtifactBatch()?.add(target, { kind: 'destroy', model, id })) return;
      await store.destroy(tenantId, model, id);
    },

    async revokeByGrantId(grantId: string) {
      // Whatever is pending may belong to the grant: it is saved first, so the revocation takes it too.
      await currentArtifactBatch()?.flush();
      await revokeGrant(grantId);
    },
  });
}

function toPayload(artifact: StoredOidcArtifact | undefined): AdapterPayload | undefined {
  if (!artifact) return undefined;
  const payload = artifact.payload as AdapterPayload;
  return artifact.consumedAt === null ? payload : { ...payload, consumed: Math.floor(artifact.consumedAt / 1000) };
}
