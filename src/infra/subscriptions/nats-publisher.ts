// Publishes events to NATS JetStream (NATS_URL): subject `foyer.<tenant>.<event type>` on the stream
// FOYER, which is created (subjects `foyer.>`) if it is missing. Each message carries the delivery's
// id as its JetStream message id, so a delivery published again after a crash within the stream's
// duplicate window is stored once. One connection per node, made at the first publish and again
// after a failure.
import { connect, headers as natsHeaders } from 'nats';
import type { JetStreamClient, NatsConnection } from 'nats';

export const NATS_STREAM = 'FOYER';
const NATS_SUBJECTS = 'foyer.>';

export type NatsPublisher = {
  publish(subject: string, body: string, messageId: string): Promise<void>;
  close(): Promise<void>;
};

/** `foyer.<tenant>.<event type>`: the tenant's slug and the catalogue name, each already a valid subject part. */
export function subjectOf(tenantSlug: string, eventType: string): string {
  return `foyer.${tenantSlug}.${eventType}`;
}

export function createNatsPublisher(options: { readonly url: string; readonly timeoutMs: number }): NatsPublisher {
  let connecting: Promise<{ connection: NatsConnection; jetstream: JetStreamClient }> | undefined;
  const encoder = new TextEncoder();

  function ready() {
    connecting ??= (async () => {
      const connection = await connect({ servers: options.url.split(',').map((part) => part.trim()), name: 'foyer', timeout: options.timeoutMs, maxReconnectAttempts: -1 });
      try {
        const manager = await connection.jetstreamManager({ timeout: options.timeoutMs });
        try {
          await manager.streams.info(NATS_STREAM);
        } catch (error) {
          if (!/not found/i.test((error as Error).message)) throw error;
          await manager.streams.add({ name: NATS_STREAM, subjects: [NATS_SUBJECTS] });
        }
        return { connection, jetstream: connection.jetstream({ timeout: options.timeoutMs }) };
      } catch (error) {
        await connection.close().catch(() => {});
        throw error;
      }
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  }

  return {
    async publish(subject, body, messageId) {
      const { jetstream } = await ready();
      const headers = natsHeaders();
      headers.set('content-type', 'application/json');
      await jetstream.publish(subject, encoder.encode(body), { msgID: messageId, headers, timeout: options.timeoutMs });
    },
    async close() {
      const current = connecting;
      connecting = undefined;
      if (!current) return;
      const { connection } = await current.catch(() => ({ connection: undefined }));
      await connection?.drain().catch(() => {});
    },
  };
}
