import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outboundFetch } from './guarded-fetch.ts';
import { fetchIdpMetadata, readIdpMetadata } from './saml-metadata.ts';
import { createSamlSetup } from './saml-service-provider.ts';

async function certificateBody(): Promise<string> {
  const { certificate } = await createSamlSetup(globalThis.fetch).newKeyPair('metadata test');
  return certificate.replace(/-----[^-]+-----|\s/g, '');
}

function metadata(body: string, extra = ''): string {
  return `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <EntityDescriptor entityID="https://sp.example"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>
  <EntityDescriptor entityID="https://idp.example/entity"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>MIIBnotused</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
    <KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
      ${body.match(/.{1,64}/g)!.join('\n      ')}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/post"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/redirect"/>${extra}
  </IDPSSODescriptor></EntityDescriptor>
</EntitiesDescriptor>`;
}

test('IdP metadata: the IdP of an EntitiesDescriptor, its HTTP-Redirect service, its signing certificates (not the encryption one), whitespace removed', async () => {
  const body = await certificateBody();
  assert.deepEqual(readIdpMetadata(metadata(body)), { entityId: 'https://idp.example/entity', ssoUrl: 'https://idp.example/redirect', certificates: [body] });
});

test('IdP metadata refused: a DOCTYPE, not XML, no IdP, no redirect service, a certificate that is not one', async () => {
  const body = await certificateBody();
  assert.throws(() => readIdpMetadata(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${metadata(body)}`), /DOCTYPE/);
  assert.throws(() => readIdpMetadata('<EntityDescriptor'), /not well-formed|no identity provider/);
  assert.throws(() => readIdpMetadata('<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><SPSSODescriptor/></EntityDescriptor>'), /no identity provider/);
  assert.throws(() => readIdpMetadata(metadata(body).replace('bindings:HTTP-Redirect', 'bindings:SOAP')), /HTTP-Redirect/);
  assert.throws(() => readIdpMetadata(metadata('bm90IGEgY2VydGlmaWNhdGU=')), /not an X\.509 certificate/);
});

test('a metadata URL is fetched through the outbound guard: in production a loopback address is refused', async () => {
  const body = await certificateBody();
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/xml' }).end(metadata(body)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
  try {
    assert.equal((await fetchIdpMetadata(outboundFetch(false), url)).entityId, 'https://idp.example/entity');
    await assert.rejects(fetchIdpMetadata(outboundFetch(true), url), /could not be fetched .*outbound requests may not reach/);
  } finally {
    server.close();
  }
});
