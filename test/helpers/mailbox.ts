// The test servers' development outbox (DATA_DIR/mail, see src/infra/mail/dev-outbox.ts) read as
// an inbox: waits for the message a step just queued, and reads its code and link the way a
// customer would, from the email's text.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export type ReceivedMail = { readonly id: string; readonly to: string; readonly kind: string; readonly locale: string; readonly subject: string; readonly text: string; readonly html: string; readonly from: string; readonly replyTo?: string };

export type Mailbox = ReturnType<typeof mailboxOf>;

const WAIT_MS = 5_000;
const POLL_MS = 20;

export function mailboxOf(dataDir: string) {
  const dir = path.join(dataDir, 'mail');

  async function all(): Promise<ReceivedMail[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const messages = await Promise.all(names.filter((name) => name.endsWith('.json')).map(async (name) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as ReceivedMail));
    // UUIDv7 ids sort in the order the messages were queued.
    return messages.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Messages to `to` (of `kind`), oldest first. */
  async function to(address: string, kind?: string): Promise<ReceivedMail[]> {
    return (await all()).filter((message) => message.to === address && (kind === undefined || message.kind === kind));
  }

  return {
    all,
    to,
    /**
     * Waits for a message to `address` (of `kind`) newer than `after` (a message id), and returns
     * the newest. Fails after a few seconds: a message that never comes is a failure.
     */
    async next(address: string, kind?: string, after?: string): Promise<ReceivedMail> {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const found = (await to(address, kind)).filter((message) => after === undefined || message.id > after);
        if (found.length > 0) return found.at(-1)!;
        if (Date.now() > deadline) throw new Error(`no ${kind ?? ''} mail to ${address} after ${after ?? 'the start'}; outbox has: ${(await all()).map((m) => `${m.kind}→${m.to}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    /** The id of the newest message to `address`, to wait for the one after it. */
    async lastId(address: string): Promise<string | undefined> {
      return (await to(address)).at(-1)?.id;
    },
  };
}

/** The 6-digit code in an email's text: the line that ends with it ("Your code: 123456"). */
export function codeIn(mail: ReceivedMail): string {
  const match = /(?:^|\s)(\d{6})$/m.exec(mail.text);
  if (!match) throw new Error(`no code in the ${mail.kind} mail: ${mail.text}`);
  return match[1]!;
}

/** The link (with its token) in an email's text. */
export function linkIn(mail: ReceivedMail): URL {
  const match = /https?:\/\/\S+[?&]token=[\w-]+/.exec(mail.text);
  if (!match) throw new Error(`no link in the ${mail.kind} mail: ${mail.text}`);
  return new URL(match[0]);
}
