// Foyer as a SAML 2.0 service provider of a connection's identity provider, through
// @node-saml/node-saml (ADR 0035): the AuthnRequest (HTTP-Redirect, signed with the connection's
// key), the service provider's metadata, and the Response posted to the assertion consumer service.
// The library checks the assertion's signature (required: an unsigned one is refused whatever the
// Response carries), decrypts an encrypted assertion, and checks the audience, the time window and
// InResponseTo against the one request this sign-in sent. What it does not check is checked here,
// on the signed assertion (SECURITY.md 33): the issuer is the IdP's entity id, the subject
// confirmation's Recipient is this ACS, the Response's Destination (when present) too, and the
// assertion has an ID and an end of validity for the replay cache.
import { randomBytes } from 'node:crypto';
// @peculiar/x509 resolves its ASN.1 types through tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { DOMParser } from '@xmldom/xmldom';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata } from '@node-saml/node-saml';
import type { CacheProvider, Profile } from '@node-saml/node-saml';
import type { Connection, SamlSetup } from '../../domain/federation/connection.ts';
import type { OutboundFetch } from './guarded-fetch.ts';
import { fetchIdpMetadata, readIdpMetadata } from './saml-metadata.ts';

/** Where the service provider is for one connection: its entity id and assertion consumer service. */
export type ServiceProviderUrls = { readonly entityId: string; readonly acsUrl: string };

/** What a checked assertion says. */
export type SamlAssertion = {
  readonly id: string;
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  /** When it stops being valid: how long its ID stays in the replay cache. */
  readonly expiresAt: number;
  /** Attribute name → its value (a string) or values (strings). */
  readonly attributes: Readonly<Record<string, string | string[]>>;
};

/** The Response failed a check; `reason` is for logs and the audit entry, never for the page. */
class SamlResponseError extends Error {
  override name = 'SamlResponseError';
}

const CLOCK_SKEW_MS = 2 * 60_000;
/** How long after the AuthnRequest its answer is accepted (the federation flow lives as long). */
const REQUEST_LIFETIME_MS = 30 * 60_000;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const PERSISTENT_FALLBACK_MS = 60 * 60_000;

function pem(body: string, label: string): string {
  return `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** A new AuthnRequest ID: an NCName (it may not start with a digit) with 160 random bits. */
function newRequestId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** node-saml's InResponseTo check, answered by the one request this sign-in made. */
function singleRequestCache(requestId: string, issuedAt: number): CacheProvider {
  return {
    saveAsync: async (_key, value) => ({ value, createdAt: Date.now() }),
    getAsync: async (key) => (key === requestId ? new Date(issuedAt).toISOString() : null),
    removeAsync: async (key) => key,
  };
}

/** Key pairs and metadata for the connection use cases (SamlSetup), the metadata read through the outbound guard. */
export function createSamlSetup(fetch: OutboundFetch): SamlSetup {
  return {
    readMetadata: async (source) => (source.url !== undefined ? fetchIdpMetadata(fetch, source.url) : readIdpMetadata(source.xml ?? '')),
    async newKeyPair(commonName) {
      const keys = await globalThis.crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
      const now = Date.now();
      const certificate = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
        name: `CN=${commonName.replace(/[,=+<>#;"\\]/g, ' ')}`,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 10 * 365 * 24 * 3_600_000),
        signingAlgorithm: RSA,
        keys,
      }, globalThis.crypto);
      const privateKey = pem(Buffer.from(await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64'), 'PRIVATE KEY');
      return { privateKey, certificate: certificate.toString('pem') };
    },
  };
}

function libraryFor(connection: Connection, privateKey: string, sp: ServiceProviderUrls, cache: CacheProvider): SAML {
  const saml = connection.saml!;
  return new SAML({
    entryPoint: saml.ssoUrl,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    audience: sp.entityId,
    idpCert: saml.certificates.map((body) => pem(body, 'CERTIFICATE')),
    privateKey,
    decryptionPvk: privateKey,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    identifierFormat: null,
    wantAssertionsSigned: true,
    // The Response around a signed assertion may be unsigned (Entra's default); the assertion's signature is what counts.
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: REQUEST_LIFETIME_MS,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    maxAssertionAgeMs: 0,
    cacheProvider: cache,
    disableRequestedAuthnContext: true,
  });
}

/** The service provider's metadata for a connection: entity id, ACS (HTTP-POST), its certificate for signing and encryption. */
export function serviceProviderMetadata(connection: Connection, privateKey: string, sp: ServiceProviderUrls): string {
  const certificate = connection.saml!.spCertificate;
  // The key is only what tells the library that Foyer signs requests and decrypts assertions; the metadata itself is not signed.
  return generateServiceProviderMetadata({ issuer: sp.entityId, callbackUrl: sp.acsUrl, decryptionCert: certificate, publicCerts: certificate, privateKey, decryptionPvk: privateKey, signMetadata: false, wantAssertionsSigned: true, identifierFormat: null });
}

/** The IdP's single sign-on URL with a signed AuthnRequest (HTTP-Redirect), and the request's ID to bind the answer to. */
export async function samlAuthorizeUrl(connection: Connection, privateKey: string, sp: ServiceProviderUrls, relayState: string, extra: Record<string, string> = {}): Promise<{ readonly url: URL; readonly requestId: string; readonly issuedAt: number }> {
  const requestId = newRequestId();
  const issuedAt = Date.now();
  const library = libraryFor(connection, privateKey, sp, singleRequestCache(requestId, issuedAt));
  library.options.generateUniqueId = () => requestId;
  const url = await library.getAuthorizeUrlAsync(relayState, undefined, { additionalParams: extra });
  return { url: new URL(url), requestId, issuedAt };
}

type XmlNode = { $?: Record<string, string>; _?: string; [child: string]: unknown };
const first = (value: unknown): XmlNode | undefined => (Array.isArray(value) ? (value[0] as XmlNode | undefined) : undefined);

function attributesOf(profile: Profile): Record<string, string | string[]> {
  const raw = (profile['attributes'] ?? {}) as Record<string, unknown>;
  const attributes: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') attributes[name] = value;
    else if (Array.isArray(value)) attributes[name] = value.filter((item): item is string => typeof item === 'string');
  }
  return attributes;
}

/**
 * The posted SAMLResponse (base64), checked for this connection and this sign-in's request. Throws
 * SamlResponseError naming the failed check.
 */
export async function checkSamlResponse(connection: Connection, privateKey: string, sp: ServiceProviderUrls, request: { readonly id: string; readonly issuedAt: number }, samlResponse: string): Promise<SamlAssertion> {
  const saml = connection.saml!;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) throw new SamlResponseError('SAMLResponse is not base64');
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  if (/<!DOCTYPE/i.test(xml)) throw new SamlResponseError('the Response has a DOCTYPE');
  const library = libraryFor(connection, privateKey, sp, singleRequestCache(request.id, request.issuedAt));
  let profile: Profile | null;
  try {
    ({ profile } = await library.validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (error) {
    throw new SamlResponseError((error as Error).message, { cause: error });
  }
  if (!profile) throw new SamlResponseError('the Response carries no assertion');
  // The Response element (possibly unsigned) names where it was sent; when it does, it must be here.
  const response = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  if (saml.requireEncryptedAssertions) {
    const encrypted = response ? Array.from(response.childNodes).some((node) => node.nodeType === 1 && (node as Element).localName === 'EncryptedAssertion' && (node as Element).namespaceURI === 'urn:oasis:names:tc:SAML:2.0:assertion') : false;
    if (!encrypted) throw new SamlResponseError('the assertion is not encrypted');
  }
  const destination = response?.getAttribute('Destination');
  if (destination && destination !== sp.acsUrl) throw new SamlResponseError(`the Response's Destination is ${destination}, not this ACS`);
  if (profile['inResponseTo'] !== request.id) throw new SamlResponseError('InResponseTo does not name this sign-in’s request');

  // The signed assertion, as node-saml read it (xml2js).
  const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
  if (!assertion) throw new SamlResponseError('the assertion could not be read');
  const issuer = first(assertion['Issuer']);
  if ((issuer?._ ?? '').trim() !== saml.entityId) throw new SamlResponseError(`the assertion's Issuer is not ${saml.entityId}`);
  const id = assertion.$?.['ID'] ?? '';
  if (id === '' || id.length > 256) throw new SamlResponseError('the assertion has no ID');
  const confirmations = (first(assertion['Subject'])?.['SubjectConfirmation'] ?? []) as XmlNode[];
  const bearer = confirmations.map((confirmation) => first(confirmation['SubjectConfirmationData'])?.$).find((data) => data !== undefined && data['Recipient'] === sp.acsUrl && data['InResponseTo'] === request.id);
  if (!bearer) throw new SamlResponseError('no subject confirmation names this ACS as Recipient and this request');
  const ends = [bearer['NotOnOrAfter'], first(assertion['Conditions'])?.$?.['NotOnOrAfter']].map((value) => (value ? Date.parse(value) : Number.NaN)).filter((value) => Number.isFinite(value));
  const expiresAt = (ends.length > 0 ? Math.max(...ends) : Date.now() + PERSISTENT_FALLBACK_MS) + CLOCK_SKEW_MS;
  if (!profile.nameID) throw new SamlResponseError('the assertion has no NameID');
  return { id, nameId: profile.nameID, nameIdFormat: profile.nameIDFormat ?? null, expiresAt, attributes: attributesOf(profile) };
}

