// The class a native app's sign-in reached (ADR 36): a session issued by the JSON flows API keeps
// its `acr` beside its methods, so GET /sessions/whoami says it as the answer that issued it did.
// Nullable: sessions issued before this migration have none.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('browser_sessions').addColumn('acr', 'text').execute();
}
