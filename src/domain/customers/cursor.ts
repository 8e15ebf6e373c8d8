// The opaque cursors of the customer lists: the sort key of the last item shown (a time and an id),
// as base64url JSON. Opaque to callers, who only hand them back; never an offset, so a page stays
// right when rows are added before it.

type SortKey = { readonly at: number; readonly id: string };

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString('base64url');
}

/** The sort key, or undefined for anything that is not a cursor these lists gave out. */
export function decodeCursor(text: string): SortKey | undefined {
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    return Number.isSafeInteger(at) && typeof id === 'string' && id.length > 0 && id.length <= 100 ? { at: at as number, id } : undefined;
  } catch {
    return undefined;
  }
}

export const INVALID_CURSOR = { field: 'cursor', code: 'cursor.invalid', message: 'This cursor is not one this list gave out.' } as const;
