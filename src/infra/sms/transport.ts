// Where text messages go (ADR 0031): a generic HTTP gateway (http-gateway.transport.ts), or, without
// SMS_GATEWAY_URL, the development outbox under DATA_DIR/sms (dev-outbox.ts).
export type OutgoingSms = { readonly id: string; readonly tenantId: string; readonly kind: string; readonly to: string; readonly body: string; readonly createdAt: number };

export type SmsTransport = {
  /** Rejects when the message was not accepted; an error with `permanent: true` is never retried. */
  send(message: OutgoingSms): Promise<void>;
};
