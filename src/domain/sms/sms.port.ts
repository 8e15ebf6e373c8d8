// What the rest of Foyer asks of text messages (ADR 0031): a message of a known kind to one phone
// number, queued in the transaction that caused it and delivered after commit by the SMS
// dispatcher, as email is (ADR 12). The body holds a one-time code: the store clears it once the
// message is delivered or given up.

/** sign_in: a code that signs in (SMS sign-in); second_factor: a code after the first factor; verify_phone: a code that proves a number before it is used. */
export type SmsKind = 'sign_in' | 'second_factor' | 'verify_phone';

export type NewSmsMessage = {
  readonly id: string;
  readonly tenantId: string;
  /** E.164, e.g. +447400123456. */
  readonly to: string;
  readonly kind: SmsKind;
  readonly body: string;
  readonly createdAt: number;
};

export type SmsStatus = 'queued' | 'sent' | 'failed';

export type SmsMessage = Omit<NewSmsMessage, 'body'> & {
  /** Null once delivered or given up. */
  readonly body: string | null;
  readonly status: SmsStatus;
  readonly attempts: number;
  readonly availableAt: number;
  readonly lastError: string | undefined;
};

/** Queued text messages; claims lease their rows as the mail queue's do (several nodes, at least once). */
export type SmsStore = {
  enqueue(message: NewSmsMessage): Promise<void>;
  claimDue(now: number, limit: number, leaseMs: number): Promise<SmsMessage[]>;
  markSent(id: string, now: number): Promise<void>;
  /** Try again at `retryAt`, or give up (status failed, body cleared) when it is undefined. */
  markFailed(id: string, error: string, retryAt: number | undefined): Promise<void>;
  /** Deletes up to `limit` messages sent or given up more than a day before `now` (the number is personal data); says how many. */
  removeExpired(now: number, limit: number): Promise<number>;
};
