// The device behind the request oidc-provider is answering (user agent and client address), kept
// in AsyncLocalStorage for the duration of the hand-over (oidc.plugin.ts) so that the storage
// adapter can record it on a browser session when the session is saved: the account portal shows
// where each session signed in from, at no extra statement per sign-in.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ArtifactDevice } from '../../domain/oauth/oidc-artifact.port.ts';

const current = new AsyncLocalStorage<ArtifactDevice>();

/** Runs `work` with `device` as the current request's device. */
export function withRequestDevice<T>(device: ArtifactDevice, work: () => T): T {
  return current.run(device, work);
}

/** The device of the request being answered, if any (none in the CLI or background jobs). */
export function requestDevice(): ArtifactDevice | undefined {
  return current.getStore();
}
