// The stylesheet of the hosted pages: small enough to inline (one request per page, no
// render-blocking fetch), allowed by its hash in the page's CSP. The brand colour arrives as a
// custom property. Wide pages (the account portal, the development outbox) add WIDE_STYLES: the
// sign-in page every customer loads does not carry the portal's tables and navigation.
export const STYLES = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;color:#1d1d1f;background:#f5f5f7}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem}
main{width:100%;max-width:26rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgb(0 0 0/.12);padding:2rem}
.brand{display:flex;align-items:center;gap:.75rem;margin-bottom:1.5rem;font-weight:600}
.brand img{max-height:40px;max-width:160px}
.app-logo{display:block;max-height:56px;max-width:200px;margin:0 0 1rem}
h1{font-size:1.375rem;margin:0 0 1rem}
p{margin:.5rem 0}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=email],input[type=password],input[type=text],input[type=number],input[type=date],select{width:100%;font:inherit;padding:.625rem .75rem;border:1px solid #8e8e93;border-radius:8px}
label.check{display:flex;gap:.5rem;align-items:baseline;font-weight:400}
fieldset.purposes{border:0;padding:0;margin:1.25rem 0 0}
fieldset.purposes legend{font-weight:600;padding:0}
input:focus,select:focus,button:focus,a:focus{outline:3px solid var(--brand);outline-offset:2px}
input[aria-invalid=true],select[aria-invalid=true]{border-color:#c00}
.hint{color:#555;font-size:.875rem;margin:.25rem 0 0}
.qr{display:block;margin:.5rem 0;background:#fff}
.codes{columns:2;padding-left:1.25rem}
code.key{word-break:break-all}
details{margin:1rem 0}
.field-error{color:#c00;font-size:.875rem;margin:.25rem 0 0}
.alert{border-left:4px solid #c00;background:#fff3f3;padding:.75rem;margin:0 0 1rem;border-radius:4px}
button{font:inherit;font-weight:600;width:100%;margin-top:1.5rem;padding:.7rem;border:0;border-radius:8px;background:var(--brand);color:var(--on-brand);cursor:pointer}
button.secondary{background:#e5e5ea;color:#1d1d1f;margin-top:.5rem}
ul.scopes{padding-left:1.25rem}
.switch{margin-top:1.5rem;text-align:center}
a{color:var(--brand-text)}
.notice{border-left:4px solid #1a7f37;background:#f0fff4;padding:.75rem;margin:0 0 1rem;border-radius:4px}
[dir=rtl] .notice{border-left:0;border-right:4px solid #1a7f37}
.languages{margin-top:2rem;border-top:1px solid #e5e5ea;padding-top:.75rem;font-size:.8125rem}
.languages ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem;justify-content:center}
.languages [aria-current]{font-weight:600}
[dir=rtl] .alert{border-left:0;border-right:4px solid #c00}
`;

/** The rules only the wide pages use (account portal, development outbox). */
export const WIDE_STYLES = `
main.wide{max-width:48rem}
.account-head{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
nav.account ul{list-style:none;margin:1rem 0 1.5rem;padding:0 0 .75rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;border-bottom:1px solid #e5e5ea}
nav.account [aria-current=page]{font-weight:700;text-decoration:none}
button.inline{width:auto;margin:0;padding:.35rem .75rem}
button.danger,a.button.danger{background:#b00020;color:#fff}
a.button{display:inline-block;font-weight:600;padding:.6rem 1rem;border-radius:8px;background:var(--brand);color:var(--on-brand);text-decoration:none}
table{width:100%;border-collapse:collapse;font-size:.9375rem}
th,td{text-align:start;padding:.5rem .5rem .5rem 0;border-bottom:1px solid #e5e5ea;vertical-align:top}
tr.failure td{color:#a00}
.tag{white-space:nowrap;font-size:.75rem;background:#e5e5ea;border-radius:4px;padding:.1rem .35rem;margin-inline-start:.25rem}
dl.addresses dt{font-weight:600;margin-top:1rem}
dl.addresses dd{margin:0}
ul.apps{list-style:none;padding:0}
ul.apps>li{border-bottom:1px solid #e5e5ea;padding:.5rem 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}
.app-icon{max-height:24px;max-width:24px;vertical-align:middle;margin-inline-end:.5rem}
`;
