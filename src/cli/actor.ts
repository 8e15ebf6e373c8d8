import { userInfo } from 'node:os';
import type { Actor } from '../domain/tenants/tenants.service.ts';
import type { CliIo } from './io.ts';

/** CLI changes are audited as the operator's OS account on this host. */
export function operatorActor(io: CliIo): Actor {
  let user = io.env['USER'] ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Containers without a passwd entry: keep $USER.
  }
  return { type: 'operator', id: `cli:${user}`, context: { userAgent: 'foyer-cli' } };
}
