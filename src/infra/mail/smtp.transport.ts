// Delivery over SMTP with nodemailer: a small pool of connections to the server named by
// SMTP_URL (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start).
import nodemailer from 'nodemailer';
import type { MailTransport } from './transport.ts';
import { mimeOptions } from './transport.ts';

/** Timeouts keep a hung server from holding a message past its lease (see mail-dispatcher.job.ts). */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;

export function createSmtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, ...TIMEOUTS });
  return {
    async send(message) {
      await transporter.sendMail(mimeOptions(message));
    },
    close() {
      transporter.close();
    },
  };
}
