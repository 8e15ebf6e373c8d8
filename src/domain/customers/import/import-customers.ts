// The customer import (issue 18, docs/import-export.md): lines read one at a time from any source
// (import-sources.ts: JSON Lines or CSV, a file or a request body), checked (import-line.ts), and
// written in batches, one transaction each: the new customers in multi-row statements with their
// audit entries, `identity.created` events, imported last sign-ins and consents. A line names a
// customer who exists already by external id, else by email: such a line is skipped, or updates
// them (`onExisting`). A rejected line never stops the import. Memory stays flat: only the current
// batch is held. After each committed batch the caller hears where the source stood (checkpoint),
// so an interrupted import resumes after it; a batch done again after a crash finds its customers
// and skips them, so each is created exactly once.
import type { FieldProblem } from '../../errors.ts';
import { DomainError } from '../../errors.ts';
import type { AuditEvent } from '../../audit/audit.ts';
import { SIGN_IN_AUDIT_ACTION } from '../../audit/audit.ts';
import { recordEvents } from '../../events/record-event.ts';
import type { Identity } from '../../identity/identity.ts';
import { identityCreatedPayload } from '../../identity/new-identity.ts';
import { appendConsents } from '../../privacy/ledger.ts';
import type { Purpose } from '../../privacy/purpose.ts';
import type { Tenant } from '../../tenants/tenant.ts';
import type { Actor } from '../../tenants/tenants.service.ts';
import { traitSchemaOf } from '../../identity/traits.ts';
import type { UnitOfWork } from '../../unit-of-work.ts';
import type { FirebaseParameters } from '../../credentials/password/imported-hashes.ts';
import { DEFAULT_LOCALE } from '../../../i18n/locales.ts';
import { uuidv7 } from '../../../lib/ids.ts';
import type { ImportCandidate, ImportSettings } from './import-line.ts';
import { checkImportLine } from './import-line.ts';
import { updateImportedCustomer } from './import-update.ts';
import type { ImportStores } from './import-update.ts';

type ImportDeps = {
  readonly transaction: UnitOfWork<ImportStores>;
  readonly stores: Pick<ImportStores, 'identities' | 'purposes'>;
  readonly now?: () => number;
};

/**
 * A line of the source: its number (from 1, the CSV header not counted), its text, where the source
 * stands after it (JSON Lines: the byte offset; CSV: the row number), and its value or why it could
 * not be read.
 */
export type SourceLine = { readonly line: number; readonly raw: string; readonly position: number } & ({ readonly value: unknown } | { readonly parseError: string });

type ImportOptions = {
  /** Check and report every line; write nothing. */
  readonly dryRun?: boolean | undefined;
  /** A line naming a customer who exists: leave them (default) or update them with what it gives. */
  readonly onExisting?: 'skip' | 'update' | undefined;
  /** An update may replace a password the customer has (otherwise such a line is rejected). */
  readonly replacePasswords?: boolean | undefined;
  readonly firebase?: FirebaseParameters | undefined;
  readonly batchSize?: number | undefined;
};

type Status = 'created' | 'updated' | 'skipped' | 'rejected';

export type LineOutcome = {
  readonly line: number;
  /** In a dry run, what would happen. */
  readonly status: Status;
  readonly id?: string | undefined;
  /** The password hash is a weak salted digest (kept, replaced at the first sign-in). */
  readonly weakHash?: true | undefined;
  readonly problems?: readonly FieldProblem[] | undefined;
  /** The rejected line's text, for the reject file. */
  readonly raw?: string | undefined;
};

export type ImportSummary = { lines: number; created: number; updated: number; skipped: number; rejected: number; weakHashes: number };

type ImportListener = {
  /** Each line's outcome, in the source's order, once its batch is committed. */
  readonly onLine: (outcome: LineOutcome) => unknown;
  /** The source up to `position` (after line `line`) is done and committed. */
  readonly onCheckpoint?: ((checkpoint: { readonly line: number; readonly position: number; readonly summary: ImportSummary }) => unknown) | undefined;
};

const DEFAULT_BATCH = 500;
/** An import that wrote at least this many customers refreshes the database's statistics at its end. */
const STATISTICS_AFTER = 1_000;

type Pending = { readonly line: SourceLine; readonly candidate?: ImportCandidate | undefined; readonly problems?: readonly FieldProblem[] | undefined };

export async function importCustomers(deps: ImportDeps, tenant: Tenant, source: AsyncIterable<SourceLine>, options: ImportOptions, actor: Actor, listener: ImportListener): Promise<ImportSummary> {
  const now = (deps.now ?? Date.now)();
  const purposes = await deps.stores.purposes.list(tenant.id);
  const settings: ImportSettings = { tenantId: tenant.id, schema: traitSchemaOf(tenant.settings), purposeIds: new Set(purposes.map((purpose) => purpose.id)), firebase: options.firebase, now };
  const context: BatchContext = { deps, tenant, purposes, options, actor, now, settings };
  const summary: ImportSummary = { lines: 0, created: 0, updated: 0, skipped: 0, rejected: 0, weakHashes: 0 };
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let batch: Pending[] = [];
  const keys = new Set<string>();

  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await runBatch(context, batch);
    for (const outcome of outcomes) {
      summary.lines += 1;
      summary[outcome.status] += 1;
      if (outcome.weakHash && outcome.status !== 'rejected' && outcome.status !== 'skipped') summary.weakHashes += 1;
      await listener.onLine(outcome);
    }
    const last = batch.at(-1)!.line;
    await listener.onCheckpoint?.({ line: last.line, position: last.position, summary: { ...summary } });
    batch = [];
    keys.clear();
  };

  for await (const line of source) {
    const pending: Pending = 'parseError' in line ? { line, problems: [{ field: '', code: 'line.unreadable', message: line.parseError }] } : toPending(settings, line);
    const own = pending.candidate ? keysOf(pending.candidate) : [];
    // The same customer twice in one batch: the first is written before the second is matched (a
    // dry run, which writes nothing, matches the second with the first within the batch instead).
    if (!options.dryRun && own.some((key) => keys.has(key))) await flush();
    batch.push(pending);
    for (const key of own) keys.add(key);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  // A few rows more change no plan; thousands can, and the database would learn of them later.
  if (!options.dryRun && summary.created + summary.updated >= STATISTICS_AFTER) await deps.stores.identities.refreshStatistics();
  return summary;
}

function toPending(settings: ImportSettings, line: SourceLine & { value: unknown }): Pending {
  const checked = checkImportLine(settings, line.value);
  return checked.ok ? { line, candidate: checked.candidate } : { line, problems: checked.problems };
}

function keysOf(candidate: ImportCandidate): string[] {
  return [...(candidate.email ? [`e:${candidate.email}`] : []), ...(candidate.externalId ? [`x:${candidate.externalId}`] : [])];
}

type BatchContext = {
  readonly deps: ImportDeps;
  readonly tenant: Tenant;
  readonly purposes: readonly Purpose[];
  readonly options: ImportOptions;
  readonly actor: Actor;
  readonly now: number;
  readonly settings: ImportSettings;
};

type Decision = { readonly kind: 'create' } | { readonly kind: 'existing'; readonly id: string; readonly createdHere?: true } | { readonly kind: 'reject'; readonly problem: FieldProblem };

/** Ends a dry run's transaction, rolling back what it wrote, with the outcomes it would have had. */
class DryRunDone extends Error {
  readonly outcomes: LineOutcome[];
  constructor(outcomes: LineOutcome[]) {
    super('dry run: rolled back');
    this.outcomes = outcomes;
  }
}

/** The outcomes of the batch's lines, in order, after its one transaction committed (or, in a dry run, was rolled back). */
async function runBatch(context: BatchContext, batch: readonly Pending[]): Promise<LineOutcome[]> {
  try {
    return await context.deps.transaction(async (stores) => {
      const outcomes = await decideAndWrite(context, stores, batch);
      // A dry run does the batch's real writes, so an update is checked by the very code that would
      // apply it (its traits, its password rule, an address or phone number taken), then undoes them.
      if (context.options.dryRun) throw new DryRunDone(outcomes);
      return outcomes;
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.outcomes;
    // One line's address taken by a customer who signed up meanwhile, or a phone number in use:
    // the batch is done again one line at a time, so only that line is rejected.
    if (!(error instanceof DomainError) || error.kind !== 'conflict' || batch.length === 1) {
      if (error instanceof DomainError && error.kind === 'conflict') return [rejected(batch[0]!.line, [{ field: '', code: error.code, message: error.message }])];
      throw error;
    }
    const outcomes: LineOutcome[] = [];
    for (const pending of batch) outcomes.push(...(await runBatch(context, [pending])));
    return outcomes;
  }
}

async function decideAndWrite(context: BatchContext, stores: ImportStores, batch: readonly Pending[]): Promise<LineOutcome[]> {
  const candidates = batch.flatMap((pending) => (pending.candidate ? [pending.candidate] : []));
  const matches = await stores.identities.findMatches(context.tenant.id, {
    emails: candidates.flatMap((candidate) => (candidate.email ? [candidate.email] : [])),
    externalIds: candidates.flatMap((candidate) => (candidate.externalId ? [candidate.externalId] : [])),
  });
  const byEmail = new Map(matches.flatMap((match) => (match.email ? [[match.email, match] as const] : [])));
  const byExternalId = new Map(matches.flatMap((match) => (match.externalId ? [[match.externalId, match] as const] : [])));

  const decide = (candidate: ImportCandidate): Decision => {
    // Only in a dry run (a real import commits a line before the same customer's next one).
    const earlier = keysOf(candidate).map((key) => createdHere.get(key)).find((id) => id !== undefined);
    if (earlier) return { kind: 'existing', id: earlier, createdHere: true };
    const byId = candidate.externalId ? byExternalId.get(candidate.externalId) : undefined;
    const byAddress = candidate.email ? byEmail.get(candidate.email) : undefined;
    if (byId && byAddress && byId.id !== byAddress.id) return { kind: 'reject', problem: { field: 'external_id', code: 'import.ambiguous', message: 'The external id and the email belong to two different customers.' } };
    if (!byId && byAddress && candidate.externalId && byAddress.externalId && byAddress.externalId !== candidate.externalId) {
      return { kind: 'reject', problem: { field: 'traits.email', code: 'identity.address_taken', message: 'This email belongs to a customer with another external id.' } };
    }
    const existing = byId ?? byAddress;
    return existing ? { kind: 'existing', id: existing.id } : { kind: 'create' };
  };

  const outcomes: LineOutcome[] = [];
  const creates: { pending: Pending; candidate: ImportCandidate; at: number }[] = [];
  const createdHere = new Map<string, string>();
  for (const pending of batch) {
    const { candidate } = pending;
    if (!candidate) {
      outcomes.push(rejected(pending.line, pending.problems ?? []));
      continue;
    }
    const weakHash = candidate.hash?.weak ? (true as const) : undefined;
    const decision = decide(candidate);
    if (decision.kind === 'reject') outcomes.push(rejected(pending.line, [decision.problem]));
    else if (decision.kind === 'create') {
      creates.push({ pending, candidate, at: outcomes.length });
      for (const key of keysOf(candidate)) createdHere.set(key, candidate.identity.id);
      outcomes.push({ line: pending.line.line, status: 'created', id: candidate.identity.id, weakHash });
    } else if (context.options.onExisting !== 'update') outcomes.push({ line: pending.line.line, status: 'skipped', id: decision.id });
    else {
      // A customer this dry-run batch would create is not in the database to be updated.
      const problems = !decision.createdHere ? await updateImportedCustomer({ stores, tenant: context.tenant, purposes: context.purposes, schema: context.settings.schema, actor: context.actor, now: context.now, replacePasswords: context.options.replacePasswords === true }, decision.id, candidate) : [];
      outcomes.push(problems.length > 0 ? rejected(pending.line, problems) : { line: pending.line.line, status: 'updated', id: decision.id, weakHash });
    }
  }
  if (creates.length > 0) await writeCreated(context, stores, creates.map(({ candidate }) => candidate));
  return outcomes;
}

/** The new customers, their audit entries and events, imported last sign-ins and consents: few statements for the whole batch. */
async function writeCreated(context: BatchContext, stores: ImportStores, candidates: readonly ImportCandidate[]): Promise<void> {
  const { tenant, actor, now } = context;
  const created: Identity[] = await stores.identities.createMany(candidates.map((candidate) => candidate.identity));
  const entries: AuditEvent[] = [];
  for (const [index, identity] of created.entries()) {
    const candidate = candidates[index]!;
    const details = { import: true, password: candidate.hash !== undefined, ...(candidate.hash?.weak ? { weakHash: true } : {}), ...(identity.externalId === null ? {} : { externalId: true }) };
    entries.push({ id: uuidv7(now), occurredAt: now, tenantId: tenant.id, action: 'identity.created', outcome: 'success', actor: { type: actor.type, id: actor.id }, target: { type: 'identity', id: identity.id }, context: actor.context, details });
    // The last sign-in is read from the audit log (ADR 23): the one the old system saw is kept there.
    if (candidate.lastSignedInAt !== undefined) {
      const at = candidate.lastSignedInAt;
      entries.push({ id: uuidv7(at), occurredAt: at, tenantId: tenant.id, action: SIGN_IN_AUDIT_ACTION, outcome: 'success', actor: { type: 'customer', id: identity.id }, target: { type: 'identity', id: identity.id }, details: { method: 'import' } });
    }
  }
  await stores.audit.appendMany(entries);
  await recordEvents(stores.outbox, created.map((identity) => ({ subject: { tenantId: tenant.id, aggregateId: identity.id, occurredAt: now }, event: { type: 'identity.created' as const, payload: identityCreatedPayload(identity) } })));
  const locale = tenant.settings.defaultLocale ?? DEFAULT_LOCALE;
  for (const [index, identity] of created.entries()) {
    const decisions = Object.entries(candidates[index]!.consents).map(([purposeId, granted]) => ({ purpose: context.purposes.find((purpose) => purpose.id === purposeId)!, granted, locale }));
    if (decisions.length > 0) await appendConsents(stores, tenant, identity.id, decisions, { method: 'import', gpc: false }, now);
  }
}

/** A line's outcome as the CLI and the admin API report it (snake case; in a dry run, `would_be_…`). */
export function outcomeRecord(outcome: LineOutcome, dryRun: boolean) {
  return {
    line: outcome.line,
    status: dryRun && outcome.status !== 'rejected' ? `would_be_${outcome.status}` : outcome.status,
    ...(outcome.id && !(dryRun && outcome.status === 'created') ? { id: outcome.id } : {}),
    ...(outcome.weakHash ? { weak_hash: true } : {}),
    ...(outcome.problems ? { errors: outcome.problems.map(({ field, code, message }) => ({ field, code, message })) } : {}),
  };
}

function rejected(line: SourceLine, problems: readonly FieldProblem[]): LineOutcome {
  return { line: line.line, status: 'rejected', problems, raw: line.raw };
}
