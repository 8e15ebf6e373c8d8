// The port for secrets at rest: the keys module seals each signing key's private half before it is
// stored and opens it to sign, without knowing the cipher or where its key comes from. The
// infrastructure implements it (infra/crypto/secret-box.ts, under a key from the master secret).

export type SecretBox = {
  /** Encrypts `plaintext` for the row named by `context`; a fresh IV each time, so equal inputs differ. */
  seal(plaintext: string, context: string): string;
  /**
   * Decrypts what `seal` produced for the same context; throws otherwise (tampered, sealed for
   * another context or under another master secret, or an unknown format).
   */
  open(sealed: string, context: string): string;
};
