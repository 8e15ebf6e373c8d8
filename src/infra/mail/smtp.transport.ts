// Delivery over SMTP with nodemailer: a small pool of connections to the server named by
// SMTP_URL (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start).
import type { Transporter } from 'nodemailer';
import type { MailTransport } from './transport.ts';
import { mimeOptions } from './transport.ts';

/** Timeouts keep a hung server from holding a message past its lease (see mail-dispatcher.job.ts). */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;

export function createSmtpTransport(smtpUrl: string): MailTransport {
  // nodemailer is loaded at the first message, not at every start of the server or the CLI.
  let transporter: Promise<Transporter> | undefined;
  let closed = false;
  const connect = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, ...TIMEOUTS })));
  return {
    async send(message) {
      if (closed) throw new Error('the SMTP transport is closed');
      await (await connect()).sendMail(mimeOptions(message));
    },
    close() {
      closed = true;
      void transporter?.then((opened) => opened.close());
    },
  };
}
