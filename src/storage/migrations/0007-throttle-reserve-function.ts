// On PostgreSQL, a throttle reservation is one call of this function instead of a transaction of
// four statements (begin, lock, write, commit): every sign-in attempt makes one, including each
// guess of a brute-force run, so its round trips are the throttle's cost. It is decideReservation
// (domain/flows/throttle.ts) for distinct keys, all or nothing, as the Redis script is; keep the
// three in step (the store conformance suite runs the same cases against each). SQLite, in
// process, has no round trips to save and keeps the transaction.
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  // Keys come sorted, so two calls lock shared rows in the same order and never deadlock. A missing
  // counter is created at zero and locked like the others (a refusal leaves it at zero, as the
  // transaction does). Answers 0 when every key allowed the attempt and each was counted, else the
  // longest wait in milliseconds, counting nothing.
  await sql`
    create function foyer_throttle_reserve(keys text[], windows bigint[], frees integer[], max_delays bigint[], now_ms bigint)
    returns bigint
    language plpgsql
    as $$
    declare
      stored record;
      live boolean;
      counted integer;
      last bigint;
      delay bigint;
      longest bigint := 0;
      counts integer[] := '{}';
      starts bigint[] := '{}';
    begin
      for i in 1 .. cardinality(keys) loop
        insert into throttle_counters (key, count, window_start, last_at) values (keys[i], 0, now_ms, now_ms)
          on conflict (key) do update set key = excluded.key
          returning count, window_start, last_at into stored;
        live := stored.window_start >= now_ms - windows[i];
        counted := case when live then stored.count else 0 end;
        last := case when live then stored.last_at else 0 end;
        -- 2^(counted - free) s, capped; past 2^40 the cap has long been reached (and power would overflow).
        delay := case
          when counted < frees[i] then 0
          when counted - frees[i] >= 40 then max_delays[i]
          else least(1000 * power(2::float8, counted - frees[i]), max_delays[i])::bigint
        end;
        if counted >= frees[i] and last + delay - now_ms > longest then longest := last + delay - now_ms; end if;
        counts[i] := counted + 1;
        starts[i] := case when live then stored.window_start else now_ms end;
      end loop;
      if longest > 0 then return longest; end if;
      for i in 1 .. cardinality(keys) loop
        update throttle_counters set count = counts[i], window_start = starts[i], last_at = now_ms where key = keys[i];
      end loop;
      return 0;
    end
    $$
  `.execute(db);
}
