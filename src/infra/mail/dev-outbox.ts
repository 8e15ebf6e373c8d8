// The development outbox: without SMTP_URL every message is written to DATA_DIR/mail/ as <id>.json
// (everything, for `foyer mail show` and /dev/mail) and <id>.eml (the MIME message, for a mail
// client), instead of being sent. The files hold live codes and links: the folder is private.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { MailMessage } from '../../domain/mail/mail.port.ts';
import type { MailTransport, OutgoingMail } from './transport.ts';
import { mimeOptions } from './transport.ts';

type DevOutboxMessage = OutgoingMail & { readonly writtenAt: number };

const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function devOutboxDir(dataDir: string): string {
  return path.join(dataDir, 'mail');
}

export function createDevOutboxTransport(dir: string, now: () => number = Date.now): MailTransport {
  // nodemailer builds the .eml; it is loaded at the first message, not at every start.
  let mime: Promise<Transporter> | undefined;
  const builder = () => (mime ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })));
  return {
    async send(message) {
      if (!MESSAGE_ID.test(message.id)) throw new TypeError('a message id is a UUID');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const { message: eml } = (await (await builder()).sendMail(mimeOptions(message))) as { message: Buffer };
      const record: DevOutboxMessage = { ...message, writtenAt: now() };
      await writeAtomically(path.join(dir, `${message.id}.eml`), eml);
      // The .json last: its presence says the message is complete.
      await writeAtomically(path.join(dir, `${message.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
    },
    close() {
      void mime?.then((opened) => opened.close());
    },
  };
}

/** The message as written, or undefined when there is no such file (or the id is not a message id). */
export async function readDevOutbox(dir: string, id: string): Promise<DevOutboxMessage | undefined> {
  if (!MESSAGE_ID.test(id)) return undefined;
  try {
    return JSON.parse(await readFile(path.join(dir, `${id}.json`), 'utf8')) as DevOutboxMessage;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * A queued message with its bodies: from the queue while it waits, else from the development
 * outbox (the queue clears them on delivery); null when neither has them (delivered over SMTP).
 */
export async function withOutboxBodies(message: MailMessage, dir: string): Promise<MailMessage> {
  if (message.text !== null && message.html !== null) return message;
  const written = await readDevOutbox(dir, message.id);
  return written ? { ...message, text: written.text, html: written.html } : message;
}
