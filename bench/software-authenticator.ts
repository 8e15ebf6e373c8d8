// A software passkey authenticator (ES256 through node:crypto), for the bench and the HTTP tests:
// it answers WebAuthn registration and authentication options as a browser with a platform
// authenticator would (user present and verified, "none" attestation), so a test or a bench
// iteration can create and use passkeys without a browser. Real browsers are tested with
// Chromium's virtual authenticator (test/browser/passkeys.browser.test.ts).
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

type CreationOptions = { readonly challenge: string; readonly rp: { readonly id?: string | undefined }; readonly user: { readonly id: string } };
type RequestOptions = { readonly challenge: string; readonly rpId?: string | undefined };

/** A passkey the software authenticator holds. */
export type SoftwarePasskey = {
  readonly id: string;
  readonly rpId: string;
  readonly userHandle: string;
  readonly privateKey: KeyObject;
  /** The public key as the server stores it (COSE_Key, base64url). */
  readonly publicKey: string;
  counter: number;
};

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_DATA = 0x40;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function authenticatorData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
}

function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** Creates a passkey for `options` at `origin`: the registration response (as JSON for the server) and the passkey to sign in with later. */
export function createPasskey(options: CreationOptions, origin: string, settings: { readonly userVerified?: boolean } = {}): { response: Record<string, unknown>; passkey: SoftwarePasskey } {
  const rpId = options.rp.id ?? new URL(origin).hostname;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(16);
  // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
  const coseKey = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, Buffer.from(jwk.x!, 'base64url')],
    [-3, Buffer.from(jwk.y!, 'base64url')],
  ]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(credentialId.length);
  const encodedKey = Buffer.from(isoCBOR.encode(coseKey));
  const attested = Buffer.concat([Buffer.alloc(16), length, credentialId, encodedKey]);
  const flags = FLAG_USER_PRESENT | (settings.userVerified === false ? 0 : FLAG_USER_VERIFIED) | FLAG_ATTESTED_DATA;
  const attestationObject = isoCBOR.encode(new Map<string, unknown>([
    ['fmt', 'none'],
    ['attStmt', new Map()],
    ['authData', authenticatorData(rpId, flags, 0, attested)],
  ]) as never);
  const id = b64url(credentialId);
  const response = {
    id,
    rawId: id,
    type: 'public-key',
    response: { clientDataJSON: b64url(clientData('webauthn.create', options.challenge, origin)), attestationObject: b64url(attestationObject), transports: ['internal'] },
    clientExtensionResults: {},
    authenticatorAttachment: 'platform',
  };
  return { response, passkey: { id, rpId, userHandle: options.user.id, privateKey, publicKey: b64url(encodedKey), counter: 0 } };
}

/** Signs `options`' challenge with `passkey` at `origin`: the authentication response, as JSON for the server. */
export function assertPasskey(passkey: SoftwarePasskey, options: RequestOptions, origin: string, settings: { readonly userVerified?: boolean; readonly rpId?: string } = {}): Record<string, unknown> {
  passkey.counter += 1;
  const data = authenticatorData(settings.rpId ?? passkey.rpId, FLAG_USER_PRESENT | (settings.userVerified === false ? 0 : FLAG_USER_VERIFIED), passkey.counter);
  const client = clientData('webauthn.get', options.challenge, origin);
  const signature = sign('sha256', Buffer.concat([data, createHash('sha256').update(client).digest()]), { key: passkey.privateKey, dsaEncoding: 'der' });
  return {
    id: passkey.id,
    rawId: passkey.id,
    type: 'public-key',
    response: { clientDataJSON: b64url(client), authenticatorData: b64url(data), signature: b64url(signature), userHandle: passkey.userHandle },
    clientExtensionResults: {},
    authenticatorAttachment: 'platform',
  };
}
