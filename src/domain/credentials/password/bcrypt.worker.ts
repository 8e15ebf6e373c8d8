// Runs in a worker thread (bcrypt-off-thread.ts): bcryptjs is JavaScript, so a comparison done on
// the main thread would hold it for the whole cost (about 70 ms at cost 10, four times that at 12).
import bcrypt from 'bcryptjs';

export default function compare({ password, hash }: { readonly password: string; readonly hash: string }): boolean {
  return bcrypt.compareSync(password, hash);
}
