// `foyer connections create --kind saml` through the CLI's real entry, on each engine: the IdP's
// metadata read from a file and from a URL (a real IdP on loopback), the service provider's URLs
// shown, the private key never printed; a file that is not IdP metadata is refused with the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../helpers/engines.ts';
import { runFoyer } from '../helpers/cli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { startSamlIdp } from '../helpers/saml-idp.ts';
import type { SamlIdp } from '../helpers/saml-idp.ts';

describeEachEngine('foyer connections (SAML)', (current) => {
  const foyer = (...argv: string[]): Promise<CliRun> => runFoyer(argv, { ...current().env, PUBLIC_URL: 'http://localhost:3000' });
  let idp: SamlIdp;
  let folder: string;

  before(async () => {
    idp = await startSamlIdp();
    folder = mkdtempSync(path.join(tmpdir(), 'foyer-saml-cli-'));
  });
  after(async () => {
    await idp?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  test('create from a metadata file and from a URL; show names the SP URLs; the private key is never printed', async () => {
    const file = path.join(folder, 'idp-metadata.xml');
    writeFileSync(file, idp.metadataXml);
    const fromFile = await foyer('connections', 'create', '--id', 'acme-file', '--kind', 'saml', '--name', 'Acme SSO', '--saml-metadata-file', file, '--trust-email-verified', '--json');
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const created = JSON.parse(fromFile.stdout) as { kind: string; saml: { entityId: string; ssoUrl: string; spCertificate: string }; serviceProvider: { entityId: string; acsUrl: string; metadataUrl: string } };
    assert.equal(created.kind, 'saml');
    assert.equal(created.saml.entityId, idp.entityId);
    assert.match(created.saml.spCertificate, /BEGIN CERTIFICATE/);
    assert.deepEqual(created.serviceProvider, { entityId: 'http://localhost:3000/federation/saml/acme-file', acsUrl: 'http://localhost:3000/federation/saml/acme-file/acs', metadataUrl: 'http://localhost:3000/federation/saml/acme-file/metadata' });
    assert.doesNotMatch(fromFile.stdout, /PRIVATE KEY/);

    const fromUrl = await foyer('connections', 'create', '--id', 'acme-url', '--kind', 'saml', '--name', 'Acme URL', '--saml-metadata-url', idp.metadataUrl);
    assert.equal(fromUrl.code, 0, fromUrl.stderr);
    const shown = await foyer('connections', 'show', '--id', 'acme-url');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /ACS URL\s+http:\/\/localhost:3000\/federation\/saml\/acme-url\/acs/);
    assert.match(shown.stdout, new RegExp(`IdP entity id\\s+${idp.entityId.replace(/[.]/g, '\\.')}`));
    assert.doesNotMatch(shown.stdout, /PRIVATE KEY/);
  });

  test('a file that is not IdP metadata, and a missing file, are refused with the reason', async () => {
    const file = path.join(folder, 'not-metadata.xml');
    writeFileSync(file, '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor/></md:EntityDescriptor>');
    const refused = await foyer('connections', 'create', '--id', 'acme-bad', '--kind', 'saml', '--name', 'Bad', '--saml-metadata-file', file);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no identity provider/);
    const missing = await foyer('connections', 'create', '--id', 'acme-missing', '--kind', 'saml', '--name', 'Missing', '--saml-metadata-file', path.join(folder, 'nope.xml'));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--saml-metadata-file/);
  });
});
