// Where the mail dispatcher hands a message: SMTP (smtp.transport.ts) or, in development, a folder
// of files (dev-outbox.ts). Both build the same MIME message with nodemailer.
import type { SendMailOptions } from 'nodemailer';
import type { MailKind } from '../../domain/mail/mail.port.ts';

/** A message ready to leave: the sender is resolved (the tenant's, or MAIL_FROM). */
export type OutgoingMail = {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: MailKind;
  readonly locale: string;
  readonly from: string;
  readonly replyTo: string | undefined;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: number;
};

export type MailTransport = {
  /** Resolves once the message is accepted (by the SMTP server, or written); rejects otherwise. */
  send(message: OutgoingMail): Promise<void>;
  close(): void;
};

/** The nodemailer message of an outgoing mail, the same for SMTP and the development outbox. */
export function mimeOptions(message: OutgoingMail): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    text: message.text,
    html: message.html,
    // One Message-ID per queued message: a resend after a lost acknowledgement is recognisable.
    messageId: `<${message.id}@${domainOf(message.from)}>`,
    date: new Date(message.createdAt),
    // RFC 3834: automatic mail, so vacation responders stay quiet.
    headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': message.locale },
  };
}

function domainOf(address: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address);
  return match?.[1] ?? 'foyer.invalid';
}
