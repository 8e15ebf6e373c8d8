// SCIM's own error family (RFC 7644 3.12): an HTTP status, a `scimType` for 400s and 409s that
// says what kind of mistake it was, and a detail for people. The SCIM surface renders these (and
// the domain's own errors, mapped) as `urn:ietf:params:scim:api:messages:2.0:Error` documents.

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;

  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }
}

export function invalidValue(detail: string): ScimError {
  return new ScimError(400, 'invalidValue', detail);
}
