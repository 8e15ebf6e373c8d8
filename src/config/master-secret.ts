// The master secret encrypts secrets at rest (signing keys, TOTP seeds, upstream client secrets).
// Production must be given one; a developer machine gets one generated once into DATA_DIR.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.ts';

export const MIN_SECRET_LENGTH = 32;
const SECRET_FILE = 'master.secret';

type Request = { given: string | undefined; production: boolean; dataDir: string };
type Resolved = { value: string; warning?: string };

export function resolveMasterSecret({ given, production, dataDir }: Request): Resolved {
  if (given !== undefined) {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        'MASTER_SECRET',
        `must be at least ${MIN_SECRET_LENGTH} characters of random text; generate one with: openssl rand -base64 48`,
      );
    }
    return { value: given };
  }
  if (production) {
    throw new ConfigError(
      'MASTER_SECRET',
      'is required in production (it encrypts secrets at rest); generate one with: openssl rand -base64 48',
    );
  }
  const file = path.join(dataDir, SECRET_FILE);
  const stored = readStoredSecret(file);
  if (stored) return { value: stored };
  const value = randomBytes(48).toString('base64url');
  try {
    mkdirSync(dataDir, { recursive: true });
    // 'wx' never overwrites: if another process won the race, use what it wrote.
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const raced = readStoredSecret(file);
    if (raced) return { value: raced };
    throw new ConfigError('DATA_DIR', `cannot write the generated master secret to ${file} (${(error as Error).message})`);
  }
  return {
    value,
    warning: `MASTER_SECRET is not set: generated one into ${file} for development. Set MASTER_SECRET explicitly in production.`,
  };
}

function readStoredSecret(file: string): string | undefined {
  try {
    const value = readFileSync(file, 'utf8').trim();
    return value.length >= MIN_SECRET_LENGTH ? value : undefined;
  } catch {
    return undefined;
  }
}
