// A real SMTP server on loopback (the smtp-server package) that keeps what it receives, with the
// few MIME decodings the tests need to read a message like a mail client would.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export type ReceivedMail = {
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  readonly headers: Record<string, string>;
  /** The decoded text/plain part. */
  readonly text: string;
  /** The decoded text/html part. */
  readonly html: string;
  readonly raw: string;
};

export const SMTP_USER = 'foyer';
export const SMTP_PASSWORD = 'smtp-password-for-tests';
/** Recipients at this domain are refused with 550 at RCPT TO: a mailbox that does not exist. */
export const BOUNCING_DOMAIN = 'bounce.example';

export type SmtpSink = {
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Resolves with the next message to arrive (or one that arrived unclaimed by an earlier call). */
  next(): Promise<ReceivedMail>;
  /** Stops listening and drops open connections: the server is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
};

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let taken = 0;
  const waiting: ((mail: ReceivedMail) => void)[] = [];
  let port = 0;
  let server: SMTPServer;

  function create(): SMTPServer {
    return new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      closeTimeout: 50,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
        else callback(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith(`@${BOUNCING_DOMAIN}`)) {
          callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        } else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const mail = parse(Buffer.concat(chunks).toString('utf8'), session.envelope);
          received.push(mail);
          const waiter = waiting.shift();
          if (waiter) {
            taken += 1;
            waiter(mail);
          }
          callback();
        });
      },
    });
  }

  async function start(): Promise<void> {
    server = create();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
  }

  await start();
  return {
    get url() {
      return `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`;
    },
    received,
    next() {
      if (taken < received.length) return Promise.resolve(received[taken++]!);
      return new Promise((resolve) => waiting.push(resolve));
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
    start,
  };
}

type Envelope = { mailFrom: false | { address: string }; rcptTo: { address: string }[] };

function parse(raw: string, envelope: Envelope): ReceivedMail {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const body = rest.join('\n\n');
  return {
    envelopeFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
    envelopeTo: envelope.rcptTo.map((r) => r.address),
    headers,
    text: part(body, 'text/plain'),
    html: part(body, 'text/html'),
    raw,
  };
}

/** The decoded body of the MIME part of one content type (quoted-printable, base64 or plain). */
function part(body: string, type: string): string {
  const start = body.search(new RegExp(`Content-Type: ${type}`, 'i'));
  if (start === -1) return '';
  const after = body.slice(start);
  const [partHead = '', ...partBody] = after.split(/\r?\n\r?\n/);
  const content = partBody.join('\n\n').split(/\r?\n--/)[0] ?? '';
  const encoding = /Content-Transfer-Encoding: ([\w-]+)/i.exec(partHead)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = content.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return content;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=) in a header. */
function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, mode: string, text: string) =>
    mode.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
}
