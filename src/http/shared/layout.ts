// The frame of every hosted page: language and direction, the tenant's and application's branding,
// and the inline stylesheet, which the page's CSP allows by its hash (styleSourceOf).
import { createHash } from 'node:crypto';
import { html } from '../../lib/html.ts';
import type { SafeHtml } from '../../lib/html.ts';
import { STYLES, WIDE_STYLES } from './styles.ts';
import type { Translate } from '../../i18n/translate.ts';
import type { LanguageLink } from './locale.ts';

export type Branding = { readonly name: string; readonly logoUrl?: string | undefined; readonly primaryColor?: string | undefined };

type PageOptions = {
  readonly title: string;
  readonly t: Translate;
  readonly branding: Branding;
  readonly body: SafeHtml;
  /** The language switcher's links; none on pages that cannot be fetched again (protocol pages). */
  readonly languages?: readonly LanguageLink[] | undefined;
  /** A wider frame, for pages with tables and several sections (the account portal). */
  readonly wide?: boolean | undefined;
};

const DEFAULT_BRAND = '#0b57d0';
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

export function renderPage(options: PageOptions): string {
  const [head, css, rest] = pageParts(options);
  return head + css.text + rest;
}

/**
 * The same page as UTF-8 bytes, for a reply. The stylesheet, most of a page's size, is encoded once
 * per brand colour: the rest of the page (the language switcher names languages in their own
 * scripts) makes the whole page a two-byte string, whose encoding to UTF-8 is slower than ASCII's.
 */
export function renderPageBytes(options: PageOptions): Buffer {
  const [head, css, rest] = pageParts(options);
  return Buffer.concat([Buffer.from(head), css.bytes, Buffer.from(rest)]);
}

/**
 * The CSP source that allows this branding's stylesheet, and nothing else: `'sha256-…'` of its
 * text. The stylesheet is the same on every page of a brand colour, so its hash does what a fresh
 * nonce per response did, with nothing to generate per response, and leaves the page's bytes the
 * same for every customer (what lets a page be rendered once and reused).
 */
export function styleSourceOf(branding: Branding, wide = false): string {
  return stylesheetFor(brandOf(branding), wide).source;
}

type Stylesheet = { readonly text: string; readonly bytes: Buffer; readonly source: string };

/** Stylesheets by brand colour and width: a handful per installation (two per tenant colour at most). */
const stylesheets = new Map<string, Stylesheet>();
const STYLESHEETS_MAX = 256;

function stylesheetFor(brand: string, wide: boolean): Stylesheet {
  const key = wide ? `${brand} wide` : brand;
  let sheet = stylesheets.get(key);
  if (!sheet) {
    const luminance = relativeLuminance(brand);
    const text = `:root{--brand:${brand};--on-brand:${luminance > 0.45 ? '#111' : '#fff'};--brand-text:${luminance > 0.45 ? '#1d1d1f' : brand}}${STYLES}${wide ? WIDE_STYLES : ''}`;
    sheet = { text, bytes: Buffer.from(text), source: `'sha256-${createHash('sha256').update(text).digest('base64')}'` };
    if (stylesheets.size >= STYLESHEETS_MAX) stylesheets.clear();
    stylesheets.set(key, sheet);
  }
  return sheet;
}

function brandOf(branding: Branding): string {
  return branding.primaryColor && HEX_COLOUR.test(branding.primaryColor) ? branding.primaryColor : DEFAULT_BRAND;
}

/** The page before its stylesheet, the stylesheet, and the page after it. */
function pageParts({ title, t, branding, body, languages, wide }: PageOptions): [string, Stylesheet, string] {
  const brand = brandOf(branding);
  // Entities are not decoded inside <style>, so the stylesheet goes in unescaped: it is our constant
  // plus a colour that matched HEX_COLOUR, nothing a tenant can shape into markup.
  const head = html`<!doctype html>
<html lang="${t.locale}" dir="${t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${branding.name}</title>
<style>`.value;
  const rest = html`</style>
</head>
<body>
<main${wide ? html` class="wide"` : ''}>
<div class="brand">${branding.logoUrl ? html`<img src="${branding.logoUrl}" alt="">` : ''}<span>${branding.name}</span></div>
${body}
${languages ? languageSwitcher(t, languages) : ''}
</main>
</body>
</html>`.value;
  return [head, stylesheetFor(brand, wide === true), rest];
}

/** Plain links, one per language, each named in its own language (and marked as such). */
function languageSwitcher(t: Translate, languages: readonly LanguageLink[]): SafeHtml {
  return html`<nav class="languages" aria-label="${t('page.language')}"><ul>${languages.map((link) =>
    link.current
      ? html`<li><span aria-current="true" lang="${link.locale}">${link.name}</span></li>`
      : html`<li><a href="${link.href}" hreflang="${link.locale}" lang="${link.locale}">${link.name}</a></li>`,
  )}</ul></nav>`;
}

/** WCAG relative luminance of a #rrggbb colour, to pick readable text on the brand colour. */
function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const value = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
