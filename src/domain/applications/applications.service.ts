// Use cases of the applications module. Each change writes its audit entry and its domain event in
// the same transaction as the change itself. Client secrets leave this module once, at creation or
// rotation, and are never written anywhere but as a hash.
import type { AuditStore } from '../audit/audit.port.ts';
import type { OutboxStore } from '../events/outbox.port.ts';
import type { CatalogueEvent } from '../events/catalogue.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Actor } from '../tenants/tenants.service.ts';
import type { ApplicationStore } from './application.port.ts';
import type { Application, ApplicationInput, NewApplication } from './application.ts';
import { isConfidentialKind, validateApplication } from './application.ts';
import { generateClientId, generateClientSecret, hashClientSecret } from './client-secret.ts';
import { DomainError } from '../errors.ts';
import { uuidv7 } from '../../lib/ids.ts';
import type { UnitOfWork } from '../unit-of-work.ts';

type ApplicationWriteStores = { applications: ApplicationStore; audit: AuditStore; outbox: OutboxStore };

type ApplicationDeps = {
  readonly transaction: UnitOfWork<ApplicationWriteStores>;
  readonly now?: () => number;
};

/** The kind is fixed at creation: it decides whether the client has a secret at all. */
type ApplicationChanges = ApplicationInput;

/** The audit action is the event's name. */
type Change = { application: Application; details: Record<string, unknown>; event: CatalogueEvent<'application.created' | 'application.updated' | 'application.deleted' | 'application.secret_rotated'> };

function applicationNotFound(clientId: string): DomainError {
  return new DomainError('application.not_found', 'not_found', `No application with the client id "${clientId}" in this tenant.`, { clientId });
}

/** Omitted and undefined both mean "leave as it is". */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/**
 * What the caller expected of the application it is changing (the admin API's If-Match): checked
 * inside the change's transaction, on the application as it is then; it throws to refuse.
 */
type Precondition = (current: Application) => void;

/** The application, locked for the rest of the transaction and checked against what the caller expected. */
async function lockedApplication(stores: ApplicationWriteStores, tenantId: string, clientId: string, precondition: Precondition | undefined): Promise<Application> {
  await stores.applications.lock(tenantId, clientId);
  const current = await getApplication(stores, tenantId, clientId);
  precondition?.(current);
  return current;
}

/** The application, or DomainError `application.not_found`. */
export async function getApplication(stores: { applications: ApplicationStore }, tenantId: string, clientId: string): Promise<Application> {
  const application = await stores.applications.findById(tenantId, clientId);
  if (!application) throw applicationNotFound(clientId);
  return application;
}

async function record(stores: ApplicationWriteStores, now: number, actor: Actor, change: Change): Promise<void> {
  const { application, details, event } = change;
  await stores.audit.append({
    id: uuidv7(now),
    occurredAt: now,
    tenantId: application.tenantId,
    action: event.type,
    outcome: 'success',
    actor: { type: actor.type, id: actor.id },
    target: { type: 'application', id: application.id },
    context: actor.context,
    details,
  });
  await recordEvent(stores.outbox, { tenantId: application.tenantId, aggregateId: application.id, occurredAt: now }, event);
}

/**
 * An application Foyer itself relies on (the admin console, a public client of the admin tenant)
 * under a fixed client id: created when missing, its redirect URIs brought in line with `input`
 * (the public URL may have changed since the last start), left alone otherwise. Audited with the
 * system as actor, only when something changed.
 */
export async function ensureBuiltInApplication(deps: ApplicationDeps, tenantId: string, clientId: string, input: NewApplication & { readonly kind: 'spa' }): Promise<Application> {
  const { kind, ...fields } = validateApplication(input, input.kind);
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const current = await stores.applications.findById(tenantId, clientId);
    if (!current) {
      const application = await stores.applications.create({ ...fields, id: clientId, tenantId, kind, secretHash: null, now });
      await record(stores, now, { type: 'system' }, {
        application,
        details: { name: application.name, kind },
        event: { type: 'application.created', payload: { clientId, name: application.name, kind } },
      });
      return application;
    }
    const same = (a: readonly string[], b: readonly string[]) => JSON.stringify(a) === JSON.stringify(b);
    if (same(current.redirectUris, fields.redirectUris) && same(current.postLogoutRedirectUris, fields.postLogoutRedirectUris)) return current;
    const changes = { redirectUris: fields.redirectUris, postLogoutRedirectUris: fields.postLogoutRedirectUris };
    const { kind: _kind, ...next } = validateApplication({ ...current, ...changes }, current.kind);
    const application = await stores.applications.update(tenantId, clientId, next, now);
    if (!application) throw applicationNotFound(clientId);
    const changed = Object.keys(changes);
    await record(stores, now, { type: 'system' }, { application, details: { changed }, event: { type: 'application.updated', payload: { clientId, changed } } });
    return application;
  });
}

/** Creates the application; `clientSecret` is returned for confidential kinds only, and only here. */
export async function createApplication(
  deps: ApplicationDeps,
  tenantId: string,
  input: NewApplication,
  actor: Actor,
): Promise<{ application: Application; clientSecret?: string }> {
  const { kind, ...fields } = validateApplication(input, input.kind);
  const now = (deps.now ?? Date.now)();
  const clientSecret = isConfidentialKind(kind) ? generateClientSecret() : undefined;
  const secretHash = clientSecret === undefined ? null : hashClientSecret(clientSecret);
  return deps.transaction(async (stores) => {
    const application = await stores.applications.create({ ...fields, id: generateClientId(), tenantId, kind, secretHash, now });
    await record(stores, now, actor, {
      application,
      details: { name: application.name, kind },
      event: { type: 'application.created', payload: { clientId: application.id, name: application.name, kind } },
    });
    return clientSecret === undefined ? { application } : { application, clientSecret };
  });
}

/** Applies `changes` over the current fields and checks the result as a whole against the kind's rules. */
export async function updateApplication(
  deps: ApplicationDeps,
  tenantId: string,
  clientId: string,
  changes: ApplicationChanges,
  actor: Actor,
  precondition?: Precondition,
): Promise<Application> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const current = await lockedApplication(stores, tenantId, clientId, precondition);
    const defined = definedOnly(changes);
    const merged = { ...current, ...defined, tokenLifetimes: { ...current.tokenLifetimes, ...definedOnly(changes.tokenLifetimes ?? {}) } };
    const { kind: _kind, ...fields } = validateApplication(merged, current.kind);
    const application = await stores.applications.update(tenantId, clientId, fields, now);
    if (!application) throw applicationNotFound(clientId);
    const changed = Object.keys(fields).filter((key) => JSON.stringify(fields[key as keyof typeof fields]) !== JSON.stringify(current[key as keyof typeof fields]));
    await record(stores, now, actor, { application, details: { changed }, event: { type: 'application.updated', payload: { clientId: application.id, changed } } });
    return application;
  });
}

export async function deleteApplication(deps: ApplicationDeps, tenantId: string, clientId: string, actor: Actor, precondition?: Precondition): Promise<void> {
  const now = (deps.now ?? Date.now)();
  await deps.transaction(async (stores) => {
    const application = await lockedApplication(stores, tenantId, clientId, precondition);
    if (!(await stores.applications.delete(tenantId, clientId))) throw applicationNotFound(clientId);
    await record(stores, now, actor, {
      application,
      details: { name: application.name, kind: application.kind },
      event: { type: 'application.deleted', payload: { clientId: application.id } },
    });
  });
}

/**
 * Replaces the secret of a confidential application; the old one stops working at once. Public
 * clients (SPA, native) have no secret: DomainError `application.public_client_has_no_secret`.
 */
export async function rotateClientSecret(
  deps: ApplicationDeps,
  tenantId: string,
  clientId: string,
  actor: Actor,
  precondition?: Precondition,
): Promise<{ application: Application; clientSecret: string }> {
  const now = (deps.now ?? Date.now)();
  return deps.transaction(async (stores) => {
    const current = await lockedApplication(stores, tenantId, clientId, precondition);
    if (!isConfidentialKind(current.kind)) {
      throw new DomainError(
        'application.public_client_has_no_secret',
        'invalid',
        `The ${current.kind} application "${current.name}" is a public client: it has no secret to rotate.`,
        { clientId },
      );
    }
    const clientSecret = generateClientSecret();
    if (!(await stores.applications.updateSecretHash(tenantId, clientId, hashClientSecret(clientSecret), now))) throw applicationNotFound(clientId);
    const application = { ...current, updatedAt: now };
    await record(stores, now, actor, { application, details: {}, event: { type: 'application.secret_rotated', payload: { clientId: application.id } } });
    return { application, clientSecret };
  });
}
