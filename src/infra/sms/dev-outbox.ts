// The development outbox of text messages: without SMS_GATEWAY_URL each message is written to
// DATA_DIR/sms/<id>.json instead of being sent, to read at /dev/sms (development only) or in tests.
// The files hold live codes: the folder is private.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutgoingSms, SmsTransport } from './transport.ts';

const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function devSmsOutboxDir(dataDir: string): string {
  return path.join(dataDir, 'sms');
}

export function createDevSmsOutbox(dir: string): SmsTransport {
  return {
    async send(message) {
      if (!MESSAGE_ID.test(message.id)) throw new TypeError('a message id is a UUID');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${message.id}.json`);
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(message, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, file);
    },
  };
}

/** Every message written, newest first. */
export async function readDevSmsOutbox(dir: string): Promise<OutgoingSms[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const messages = await Promise.all(names.filter((name) => name.endsWith('.json') && MESSAGE_ID.test(name.slice(0, -5))).map(async (name) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as OutgoingSms));
  return messages.sort((a, b) => b.id.localeCompare(a.id));
}
