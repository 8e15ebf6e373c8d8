// The words and layout of every email Foyer sends: per kind, a subject, a plain-text body and an
// HTML body, all from the translation catalogue in the customer's language. The HTML is a single
// column of tables with inline styles (what mail clients render alike), escaped throughout.
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { MailKind } from './mail.port.ts';

export type MailBranding = { readonly name: string; readonly logoUrl?: string | undefined; readonly primaryColor?: string | undefined };

type MailContent = { readonly subject: string; readonly text: string; readonly html: string };

type MailTemplateInput = {
  readonly kind: MailKind;
  readonly to: string;
  readonly params: Readonly<Record<string, string>>;
  readonly t: Translate;
  readonly branding: MailBranding;
  /** Whether replies reach someone (the tenant set a reply-to address). */
  readonly replies: boolean;
};

/** What each kind shows besides its heading, intro and "if this wasn't you": a one-time code (with its link unless `codeOnly`), or nothing. */
const KINDS: Readonly<Record<MailKind, { readonly code: boolean; readonly codeOnly?: boolean; readonly params: readonly string[] }>> = {
  verify_email: { code: true, params: ['code', 'link', 'expiresInMinutes'] },
  recover_password: { code: true, params: ['code', 'link', 'expiresInMinutes'] },
  password_changed: { code: false, params: [] },
  email_changed: { code: false, params: ['newEmail'] },
  account_deleted: { code: false, params: [] },
  account_exists: { code: false, params: ['link'] },
  mfa_reset: { code: false, params: [] },
  sign_in_code: { code: true, params: ['code', 'link', 'expiresInMinutes'] },
  mfa_code: { code: true, codeOnly: true, params: ['code', 'expiresInMinutes'] },
  staff_invitation: { code: false, params: ['link', 'role'] },
};

const DEFAULT_BRAND = '#0b57d0';
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

export function renderMail({ kind, to, params, t, branding, replies }: MailTemplateInput): MailContent {
  const spec = KINDS[kind];
  if (!spec) throw new TypeError(`unknown mail kind "${kind}"`);
  const missing = spec.params.filter((name) => !params[name]);
  if (missing.length > 0) throw new TypeError(`mail ${kind} needs ${missing.join(', ')}`);
  if (params['link'] !== undefined) checkLink(params['link']);

  // The lifetime is a count: messages choose its plural form, so it goes in as a number.
  const words = { ...params, tenant: branding.name, email: to, ...(params['expiresInMinutes'] !== undefined ? { minutes: Number(params['expiresInMinutes']) } : {}) };
  const texts = {
    subject: t(`mail.${kind}.subject`, words),
    heading: t(`mail.${kind}.heading`, words),
    intro: t(`mail.${kind}.intro`, words),
    notYou: t(`mail.${kind}.not_you`, words),
    footer: t(replies ? 'mail.common.footer_reply' : 'mail.common.footer', words),
  };
  const action = spec.code
    ? {
        code: params['code']!,
        codeLabel: t('mail.common.code_label'),
        expires: t(spec.codeOnly ? `mail.${kind}.expires` : 'mail.common.expires', words),
        // A second factor's code has no link: it is typed where it was asked for, and nowhere else.
        link: spec.codeOnly ? undefined : { href: params['link']!, button: t(`mail.${kind}.button`, words), intro: t('mail.common.link_intro') },
      }
    : undefined;

  const text = [
    texts.heading,
    texts.intro,
    ...(action ? [`${action.codeLabel}: ${action.code}`, ...(action.link ? [`${action.link.button}: ${action.link.href}`] : []), action.expires] : params['link'] ? [`${t(`mail.${kind}.button`, words)}: ${params['link']}`] : []),
    texts.notYou,
    `-- \n${texts.footer}`,
  ].join('\n\n');

  const brand = branding.primaryColor && HEX_COLOUR.test(branding.primaryColor) ? branding.primaryColor : DEFAULT_BRAND;
  const onBrand = relativeLuminance(brand) > 0.45 ? '#111111' : '#ffffff';
  const font = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
  const paragraph = `margin:0 0 16px;font-size:16px;line-height:24px;color:#1d1d1f`;
  const actionHtml: SafeHtml | string = action
    ? html`<p style="margin:0 0 8px;font-size:14px;color:#52525b">${action.codeLabel}</p>
<p style="margin:0 0 24px;padding:16px;background:#f4f4f5;border-radius:6px;text-align:center;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:32px;line-height:40px;font-weight:700;letter-spacing:6px;color:#1d1d1f" dir="ltr">${action.code}</p>
${
  action.link
    ? html`<p style="margin:0 0 24px"><a href="${action.link.href}" style="display:inline-block;padding:12px 24px;background:${brand};color:${onBrand};border-radius:6px;text-decoration:none;font-weight:600;font-size:16px">${action.link.button}</a></p>
<p style="margin:0 0 4px;font-size:14px;color:#52525b">${action.link.intro}</p>
<p style="margin:0 0 16px;font-size:14px;word-break:break-all" dir="ltr"><a href="${action.link.href}" style="color:${brand}">${action.link.href}</a></p>`
    : ''
}
<p style="${paragraph}">${action.expires}</p>`
    : params['link']
      ? html`<p style="margin:0 0 24px"><a href="${params['link']}" style="display:inline-block;padding:12px 24px;background:${brand};color:${onBrand};border-radius:6px;text-decoration:none;font-weight:600;font-size:16px">${t(`mail.${kind}.button`, words)}</a></p>`
      : '';
  const header = branding.logoUrl
    ? html`<img src="${branding.logoUrl}" alt="${branding.name}" height="40" style="display:block;height:40px;border:0">`
    : html`<span style="font-size:20px;font-weight:700;color:#1d1d1f">${branding.name}</span>`;
  const body = html`<!doctype html>
<html lang="${t.locale}" dir="${t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${texts.subject}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 8px" dir="${t.dir}">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border-top:4px solid ${brand};${font}">
<tr><td style="padding:24px 32px 0">${header}</td></tr>
<tr><td style="padding:24px 32px 8px">
<h1 style="margin:0 0 16px;font-size:22px;line-height:28px;color:#1d1d1f">${texts.heading}</h1>
<p style="${paragraph}">${texts.intro}</p>
${actionHtml}
<p style="${paragraph};color:#52525b">${texts.notYou}</p>
</td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e4e4e7;font-size:12px;line-height:18px;color:#71717a">${texts.footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return { subject: texts.subject, text, html: body.value };
}

/** Links in emails are built from PUBLIC_URL by the caller; anything but http(s) is a bug, not a link to send. */
function checkLink(link: string): void {
  let url: URL | undefined;
  try {
    url = new URL(link);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new TypeError('a mail link must be an absolute http(s) URL');
}

/** WCAG relative luminance of a #rrggbb colour, to pick readable text on the brand colour. */
function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

