// Client metadata for the token endpoints' hot path: every token, refresh, introspection and
// revocation request authenticates its client, and applications change rarely. A changed, deleted or
// re-keyed application (`foyer apps …`) takes effect on every node within CLIENT_CACHE_MS. The
// Account API's CORS origins, read from the same applications, follow them with the same delay.
export const CLIENT_CACHE_MS = 5_000;
const MAX_ENTRIES = 10_000;

type Entry<T> = { value: T | undefined; loadedAt: number };

export function cachedLookup<T>(load: (id: string) => Promise<T | undefined>, now: () => number = Date.now) {
  const entries = new Map<string, Entry<T>>();
  return {
    async find(id: string): Promise<T | undefined> {
      const hit = entries.get(id);
      if (hit && now() - hit.loadedAt < CLIENT_CACHE_MS) return hit.value;
      const value = await load(id);
      // Unknown ids are not remembered: a client registered a moment later must work at once,
      // and remembering every id an attacker sends would grow without bound.
      if (value === undefined) {
        entries.delete(id);
        return undefined;
      }
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(id, { value, loadedAt: now() });
      return value;
    },
  };
}
