// The frame of every hosted page: language and direction, the tenant's and application's branding,
// and the inline stylesheet under the response's CSP nonce.
import { html, trusted } from './html.ts';
import type { SafeHtml } from './html.ts';
import { STYLES } from './styles.ts';

export type Branding = { readonly name: string; readonly logoUrl?: string | undefined; readonly primaryColor?: string | undefined };

export type PageOptions = {
  readonly title: string;
  readonly lang: string;
  readonly nonce: string;
  readonly branding: Branding;
  readonly body: SafeHtml;
};

const DEFAULT_BRAND = '#0b57d0';
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

export function renderPage({ title, lang, nonce, branding, body }: PageOptions): string {
  const brand = branding.primaryColor && HEX_COLOUR.test(branding.primaryColor) ? branding.primaryColor : DEFAULT_BRAND;
  const onBrand = relativeLuminance(brand) > 0.45 ? '#111' : '#fff';
  const dir = lang.startsWith('ar') ? 'rtl' : 'ltr';
  // Entities are not decoded inside <style>, so the stylesheet goes in unescaped: it is our constant
  // plus a colour that matched HEX_COLOUR, nothing a tenant can shape into markup.
  const css = `:root{--brand:${brand};--on-brand:${onBrand};--brand-text:${relativeLuminance(brand) > 0.45 ? '#1d1d1f' : brand}}${STYLES}`;
  return html`<!doctype html>
<html lang="${lang}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${branding.name}</title>
<style nonce="${nonce}">${trusted(css)}</style>
</head>
<body>
<main>
<div class="brand">${branding.logoUrl ? html`<img src="${branding.logoUrl}" alt="">` : ''}<span>${branding.name}</span></div>
${body}
</main>
</body>
</html>`.value;
}

/** WCAG relative luminance of a #rrggbb colour, to pick readable text on the brand colour. */
function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const value = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
