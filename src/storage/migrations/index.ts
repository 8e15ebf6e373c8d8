// The ordered list of migrations. A new migration is a new file added at the end; shipped ones never change.
import type { Migration } from 'kysely';
import * as initialSchema from './0001-initial-schema.ts';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
};
