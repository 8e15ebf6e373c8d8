// The code page in a real browser: the customer reads the code from the email the server sent and
// types it in.
import type { Page } from 'playwright-core';
import type { Mailbox } from './mailbox.ts';
import { codeIn } from './mailbox.ts';

export async function enterEmailedCode(page: Page, mailbox: Mailbox, email: string, labels = { heading: 'Check your email', code: 'Code', submit: 'Continue' }): Promise<void> {
  await page.getByRole('heading', { name: labels.heading }).waitFor();
  const mail = await mailbox.next(email.toLowerCase(), 'verify_email');
  await page.getByLabel(labels.code, { exact: true }).fill(codeIn(mail));
  await page.getByRole('button', { name: labels.submit }).click();
}
