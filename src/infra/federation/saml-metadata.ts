// Reading a SAML identity provider's metadata (SAML 2.0 metadata, OASIS saml-metadata-2.0-os):
// its entity id, where its HTTP-Redirect single sign-on service is, and the certificates it signs
// with. The document comes from the operator (a file) or from a URL a tenant configured, fetched
// through the guarded outbound fetch (SECURITY.md 31); it is parsed by @xmldom/xmldom, which
// resolves no external entities, and read by namespace, never by prefix.
import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import type { IdpMetadata } from '../../domain/federation/connection.ts';
import type { OutboundFetch } from './guarded-fetch.ts';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const MAX_BYTES = 1_000_000;

/** The document is not usable metadata of an identity provider; the message says why (for the operator). */
class SamlMetadataError extends Error {
  override name = 'SamlMetadataError';
}

function children(parent: Element, namespace: string, name: string): Element[] {
  const found: Element[] = [];
  const list = parent.getElementsByTagNameNS(namespace, name);
  for (let index = 0; index < list.length; index += 1) found.push(list.item(index)!);
  return found;
}

/** The identity provider described by a metadata document (an EntityDescriptor, or the first with an IdP role in an EntitiesDescriptor). */
export function readIdpMetadata(xml: string): IdpMetadata {
  if (xml.length > MAX_BYTES) throw new SamlMetadataError('the metadata is larger than 1 MB');
  if (/<!DOCTYPE/i.test(xml)) throw new SamlMetadataError('the metadata may not have a DOCTYPE');
  const problems: string[] = [];
  const document = new DOMParser({ errorHandler: (level: string, message: unknown) => { if (level !== 'warning') problems.push(String(message)); } }).parseFromString(xml, 'text/xml');
  if (problems.length > 0 || !document.documentElement) throw new SamlMetadataError('the metadata is not well-formed XML');
  const root = document.documentElement;
  const entities = root.localName === 'EntityDescriptor' && root.namespaceURI === MD ? [root] : children(root, MD, 'EntityDescriptor');
  const entity = entities.find((candidate) => children(candidate, MD, 'IDPSSODescriptor').length > 0);
  if (!entity) throw new SamlMetadataError('the metadata describes no identity provider (no IDPSSODescriptor)');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (entityId === '' || entityId.length > 1024) throw new SamlMetadataError('the identity provider has no entityID');
  const descriptor = children(entity, MD, 'IDPSSODescriptor')[0]!;
  const service = children(descriptor, MD, 'SingleSignOnService').find((candidate) => candidate.getAttribute('Binding') === REDIRECT);
  const ssoUrl = service?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) throw new SamlMetadataError('the identity provider has no HTTP-Redirect SingleSignOnService');
  const certificates = new Set<string>();
  for (const key of children(descriptor, MD, 'KeyDescriptor')) {
    const use = key.getAttribute('use');
    if (use !== null && use !== '' && use !== 'signing') continue;
    for (const node of children(key, DS, 'X509Certificate')) certificates.add(normalizeCertificate(node.textContent ?? ''));
  }
  if (certificates.size === 0) throw new SamlMetadataError('the identity provider names no signing certificate');
  return { entityId, ssoUrl, certificates: [...certificates] };
}

/** A certificate's base64 body without whitespace, checked to be an X.509 certificate. */
function normalizeCertificate(text: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  try {
    new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    throw new SamlMetadataError('a signing certificate is not an X.509 certificate');
  }
  return body;
}

/** The metadata at a URL, fetched through the outbound guard; errors say what went wrong without the body. */
export async function fetchIdpMetadata(fetch: OutboundFetch, url: string): Promise<IdpMetadata> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new SamlMetadataError(`the metadata could not be fetched (${(error as Error).message})`);
  }
  if (!response.ok) throw new SamlMetadataError(`the metadata URL answered ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_BYTES) throw new SamlMetadataError('the metadata is larger than 1 MB');
  return readIdpMetadata(await response.text());
}
