// A real SAML 2.0 identity provider for federation tests, on a loopback port: it publishes its
// metadata, reads the AuthnRequest Foyer sends by HTTP-Redirect (inflated, its ID and ACS read),
// and answers with a Response whose assertion it signs with its own key (xml-crypto, RSA-SHA256,
// exclusive C14N), optionally encrypted to the service provider's certificate (xml-encryption).
// Every part a test may want wrong can be overridden: audience, times, InResponseTo, recipient,
// destination, issuer, the assertion's ID, no signature, or a signature broken after signing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import xmlenc from 'xml-encryption';
import { createSamlSetup } from '../../src/infra/federation/saml-service-provider.ts';
import type { BrowserSession, Page } from './browser-session.ts';

export type SamlAccount = { readonly nameId: string; readonly nameIdFormat?: string; readonly attributes: Readonly<Record<string, string | readonly string[]>> };

/** What one answer should say (or get wrong). */
export type ResponseOptions = {
  readonly audience?: string;
  readonly inResponseTo?: string | null;
  readonly recipient?: string;
  readonly destination?: string;
  readonly issuer?: string;
  readonly assertionId?: string;
  /** The assertion's end of validity, relative to now (default five minutes). */
  readonly validForMs?: number;
  readonly sign?: boolean;
  /** Changes the signed XML after signing (the signature no longer matches). */
  readonly tamper?: (signedXml: string) => string;
  /** The service provider's certificate (PEM): the assertion is encrypted to it. */
  readonly encryptTo?: string;
  /** Answer with this RelayState instead of the request's. */
  readonly relayState?: string;
};

/** The AuthnRequest as the IdP received it. */
export type ReceivedRequest = { readonly id: string; readonly acsUrl: string; readonly issuer: string; readonly relayState: string; readonly signed: boolean };

/** A Response ready to post to the ACS (HTTP-POST binding). */
export type SamlAnswer = { readonly acsUrl: string; readonly SAMLResponse: string; readonly RelayState: string; readonly xml: string };

export type SamlIdp = {
  readonly entityId: string;
  readonly metadataUrl: string;
  readonly metadataXml: string;
  /** Who the next browser that reaches /sso signs in as, and what its answer gets wrong. */
  signInAs: SamlAccount;
  browserOptions: ResponseOptions;
  readonly requests: ReceivedRequest[];
  /** Reads the AuthnRequest of an IdP URL Foyer redirected to. */
  readRequest(ssoUrl: URL): ReceivedRequest;
  /** A signed Response to the request in `ssoUrl` for the account, with the options' changes. */
  answer(ssoUrl: URL, account: SamlAccount, options?: ResponseOptions): Promise<SamlAnswer>;
  stop(): Promise<void>;
};

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number) => new Date(ms).toISOString();
const newId = () => `_${randomBytes(16).toString('hex')}`;

/** The browser posts the IdP's answer to the ACS (HTTP-POST binding): the page Foyer answers. */
export function postAnswer(browser: BrowserSession, answer: SamlAnswer): Promise<Page> {
  return browser.submit({ id: undefined, action: new URL(answer.acsUrl), method: 'POST', fields: { SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState } });
}

export async function startSamlIdp(): Promise<SamlIdp> {
  const keys = await createSamlSetup(globalThis.fetch).newKeyPair('test idp');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${origin}/idp`;
  const certificateBody = keys.certificate.replace(/-----[^-]+-----|\s/g, '');
  const metadataXml = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${origin}/sso-post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${origin}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
  const requests: ReceivedRequest[] = [];

  function readRequest(ssoUrl: URL): ReceivedRequest {
    const encoded = ssoUrl.searchParams.get('SAMLRequest');
    if (!encoded) throw new Error('no SAMLRequest');
    const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
    const attribute = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
    const issuer = /<(?:saml:)?Issuer[^>]*>([^<]*)</.exec(xml)?.[1] ?? '';
    const received = { id: attribute('ID'), acsUrl: attribute('AssertionConsumerServiceURL'), issuer, relayState: ssoUrl.searchParams.get('RelayState') ?? '', signed: ssoUrl.searchParams.has('Signature') };
    requests.push(received);
    return received;
  }

  async function answer(ssoUrl: URL, account: SamlAccount, options: ResponseOptions = {}): Promise<SamlAnswer> {
    const request = readRequest(ssoUrl);
    const now = Date.now();
    const until = now + (options.validForMs ?? 5 * 60_000);
    const inResponseTo = options.inResponseTo === undefined ? request.id : options.inResponseTo;
    const inResponse = inResponseTo === null ? '' : ` InResponseTo="${escape(inResponseTo)}"`;
    const recipient = options.recipient ?? request.acsUrl;
    const issuer = options.issuer ?? entityId;
    const attributes = Object.entries(account.attributes).map(([name, value]) => {
      const values = (Array.isArray(value) ? value : [value]) as string[];
      return `<saml:Attribute Name="${escape(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values.map((item) => `<saml:AttributeValue>${escape(item)}</saml:AttributeValue>`).join('')}</saml:Attribute>`;
    }).join('');
    const assertionId = options.assertionId ?? newId();
    let assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${iso(now)}">`
      + `<saml:Issuer>${escape(issuer)}</saml:Issuer>`
      + `<saml:Subject><saml:NameID Format="${account.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'}">${escape(account.nameId)}</saml:NameID>`
      + `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${inResponse} NotOnOrAfter="${iso(until)}" Recipient="${escape(recipient)}"/></saml:SubjectConfirmation></saml:Subject>`
      + `<saml:Conditions NotBefore="${iso(now - 60_000)}" NotOnOrAfter="${iso(until)}"><saml:AudienceRestriction><saml:Audience>${escape(options.audience ?? request.issuer)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
      + `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${newId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`
      + (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '')
      + `</saml:Assertion>`;
    if (options.sign !== false) {
      const signature = new SignedXml({ privateKey: keys.privateKey, publicCert: keys.certificate, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
      signature.addReference({ xpath: "/*[local-name(.)='Assertion']", transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
      signature.computeSignature(assertion, { location: { reference: "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
      assertion = signature.getSignedXml();
    }
    if (options.tamper) assertion = options.tamper(assertion);
    if (options.encryptTo) {
      const encrypted = await new Promise<string>((resolve, reject) => xmlenc.encrypt(assertion, {
        rsa_pub: options.encryptTo!, pem: options.encryptTo!, encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm', keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p', disallowEncryptionWithInsecureAlgorithm: true,
      }, (error: Error | null, result: string) => (error ? reject(error) : resolve(result))));
      assertion = `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${encrypted}</saml:EncryptedAssertion>`;
    }
    const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${escape(options.destination ?? request.acsUrl)}"${inResponse}>`
      + `<saml:Issuer>${escape(issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${assertion}</samlp:Response>`;
    return { acsUrl: request.acsUrl, SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: options.relayState ?? request.relayState, xml };
  }

  const idp: SamlIdp = {
    entityId,
    metadataUrl: `${origin}/metadata`,
    metadataXml,
    signInAs: { nameId: 'nobody', attributes: {} },
    browserOptions: {},
    requests,
    readRequest,
    answer,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };

  // The browser's side: the metadata, and /sso, which signs in as `signInAs` at once and posts the Response to the ACS.
  server.on('request', (request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname === '/metadata') {
      response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadataXml);
      return;
    }
    if (url.pathname === '/sso') {
      answer(url, idp.signInAs, idp.browserOptions).then((out) => {
        const page = `<!doctype html><html lang="en"><head><title>Test IdP</title></head><body><h1>Test IdP</h1>`
          + `<form method="post" action="${escape(out.acsUrl)}"><input type="hidden" name="SAMLResponse" value="${out.SAMLResponse}"><input type="hidden" name="RelayState" value="${escape(out.RelayState)}">`
          + `<button type="submit">Continue to the application</button></form></body></html>`;
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      }, (error: Error) => response.writeHead(400).end(error.message));
      return;
    }
    response.writeHead(404).end();
  });
  return idp;
}
