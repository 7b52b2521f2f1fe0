import { adjustForContrast, blackOrWhiteOn, mix, readableTextOn, safeHex } from './colour.ts';
import { fonts, type SectionType, type SiteTheme } from './schema.ts';

/**
 * The site's CSS: a small base every page needs plus one block per section type, so each
 * page inlines only what it uses. Colours come from the validated theme, adjusted for AA
 * contrast; the font is one of the curated system stacks (no web-font requests).
 */

export interface Palette {
  background: string;
  text: string;
  muted: string;
  surface: string;
  border: string;
  /** brand colour adjusted to read as text (links, headings accents) on the background */
  brandText: string;
  primary: string;
  onPrimary: string;
  heroEnd: string;
  accent: string;
  onAccent: string;
}

export function paletteFor(theme: SiteTheme): Palette {
  const background = safeHex(theme.background);
  const text = readableTextOn(background, theme.text);
  const surface = mix(background, text, 0.045);
  const primary = safeHex(theme.primary);
  const onPrimary = blackOrWhiteOn(primary);
  const heroEnd = mix(primary, onPrimary === '#ffffff' ? '#000000' : '#ffffff', 0.18);
  const accent = safeHex(theme.accent);
  return {
    background,
    text,
    muted: adjustForContrast(mix(text, background, 0.3), surface),
    surface,
    border: mix(background, text, 0.13),
    brandText: adjustForContrast(primary, surface),
    primary,
    onPrimary,
    heroEnd,
    accent,
    onAccent: blackOrWhiteOn(accent),
  };
}

export function fontStack(fontId: string): string {
  return (fonts.find((font) => font.id === fontId) ?? fonts[0]).stack;
}

function minify(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};:,>])\s*/g, '$1')
    .replace(/;}/g, '}')
    .trim();
}

const BASE = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:var(--font);font-size:16px;line-height:1.7;color:var(--text);background:var(--bg);word-break:keep-all;overflow-wrap:anywhere;-webkit-font-smoothing:antialiased}
img{max-width:100%;height:auto;display:block}
picture{display:contents}
a{color:var(--brand)}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
h1,h2,h3{line-height:1.3;letter-spacing:-0.02em;margin:0 0 .5em}
h2,.sec h1{font-size:clamp(1.5rem,4.5vw,2.1rem);font-weight:800}
h3{font-size:1.15rem;font-weight:700}
p{margin:0 0 1em}
.wrap{max-width:1080px;margin:0 auto;padding:0 20px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.skip{position:absolute;left:12px;top:-60px;z-index:10;background:var(--primary);color:var(--on-primary);padding:10px 16px;border-radius:8px;font-weight:700}
.skip:focus{top:12px}
.site-header{position:sticky;top:0;z-index:5;background:var(--bg);border-bottom:1px solid var(--border)}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:4px 24px;padding-top:12px;padding-bottom:12px}
.brand{display:flex;align-items:center;gap:10px;font-weight:800;font-size:1.15rem;color:var(--text);text-decoration:none;letter-spacing:-0.02em}
.brand img{width:36px;height:36px;border-radius:8px;object-fit:cover}
.nav ul{display:flex;gap:4px;list-style:none;margin:0 -10px;padding:0;overflow-x:auto;scrollbar-width:none}
.nav a{display:block;padding:8px 10px;min-height:44px;line-height:28px;border-radius:8px;color:var(--text);text-decoration:none;white-space:nowrap;font-weight:500}
.nav a:hover{background:var(--surface)}
.nav a[aria-current=page]{color:var(--brand);font-weight:800}
.sec{padding:64px 0}
.sec.alt{background:var(--surface)}
.lead{font-size:1.05rem;color:var(--muted);max-width:46em}
.eyebrow{display:block;width:40px;height:4px;border-radius:2px;background:var(--primary);margin-bottom:16px}
.btns{display:flex;flex-wrap:wrap;gap:12px;margin-top:24px}
.btn{display:inline-flex;align-items:center;justify-content:center;gap:8px;min-height:48px;padding:12px 24px;border-radius:999px;background:var(--primary);color:var(--on-primary);font-weight:700;text-decoration:none;border:2px solid var(--primary);font-size:1rem;font-family:inherit;cursor:pointer}
.btn:hover{filter:brightness(1.06)}
.page-title{padding:56px 0 8px}
.page-title h1{font-size:clamp(1.9rem,5.5vw,2.8rem);font-weight:800;margin:0}
.page-title p{color:var(--muted);margin:.5em 0 0}
.site-footer{background:var(--surface);border-top:1px solid var(--border);padding:40px 0 48px;font-size:.875rem;color:var(--muted)}
.site-footer a{color:var(--muted)}
.f-name{font-size:1rem;font-weight:800;color:var(--text);margin-bottom:12px}
.legal{display:flex;flex-wrap:wrap;gap:2px 16px;margin:0 0 12px}
.legal div{display:flex;gap:6px}
.legal dt{font-weight:700}
.legal dd{margin:0}
.f-links{display:flex;flex-wrap:wrap;gap:4px 16px;margin:0 0 8px;padding:0;list-style:none}
.f-links a{font-weight:700;color:var(--text)}
.prose{max-width:46em}
.prose h2{font-size:1.25rem;margin-top:2em}
.prose table{border-collapse:collapse;width:100%;margin:0 0 1em}
.prose th,.prose td{border:1px solid var(--border);padding:8px 10px;text-align:left;vertical-align:top}
.prose th{background:var(--surface)}
@media (min-width:768px){body{font-size:17px}.sec{padding:88px 0}}
`;

const SECTION_CSS: Record<SectionType, string> = {
  hero: `
.hero{position:relative;background:linear-gradient(135deg,var(--primary),var(--hero-end));color:var(--on-primary);padding:80px 0 72px;overflow:hidden}
.hero h1{font-size:clamp(2rem,7vw,3.4rem);font-weight:800;max-width:16em;margin-bottom:.35em}
.hero p{font-size:clamp(1.05rem,2.6vw,1.3rem);max-width:32em;opacity:.95}
.hero .btn{background:var(--on-primary);color:var(--primary);border-color:var(--on-primary)}
.hero.img{color:#fff;min-height:min(78vh,640px);display:flex;align-items:flex-end;background:#222}
.hero.img .wrap{position:relative;width:100%}
.hero-bg{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
.hero.img::after{content:"";position:absolute;inset:0;background:linear-gradient(180deg,rgba(0,0,0,.3),rgba(0,0,0,.72))}
.hero.img .wrap{z-index:1}
.hero.img .btn{background:var(--primary);color:var(--on-primary);border-color:var(--primary)}
`,
  about: `
.about{display:grid;gap:32px;align-items:center}
.about img{border-radius:20px;aspect-ratio:4/3;object-fit:cover;width:100%}
@media (min-width:768px){.about.has-img{grid-template-columns:1fr 1fr}}
.about .body{max-width:40em;font-size:1.05rem}
`,
  menu: `
.menu-cats{display:grid;gap:40px;margin-top:32px}
@media (min-width:768px){.menu-cats{grid-template-columns:1fr 1fr;gap:40px 56px}.menu-cats.one{grid-template-columns:1fr;max-width:720px}}
.menu-cats h3{padding-bottom:10px;border-bottom:2px solid var(--text)}
.menu-list{list-style:none;margin:0;padding:0}
.menu-list li{padding:14px 0;border-bottom:1px dashed var(--border)}
.mi{display:flex;align-items:baseline;gap:8px}
.mi-name{font-weight:700}
.mi-fill{flex:1}
.mi-price{font-weight:800;white-space:nowrap;font-variant-numeric:tabular-nums}
.mi-desc{margin:4px 0 0;color:var(--muted);font-size:.92rem}
.badge{display:inline-block;font-size:.72rem;font-weight:800;padding:2px 8px;border-radius:999px;background:var(--accent);color:var(--on-accent);white-space:nowrap;vertical-align:2px}
.note{color:var(--muted);font-size:.9rem;margin-top:24px}
`,
  services: `
.cards{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));margin-top:32px;padding:0;list-style:none}
.card{background:var(--bg);border:1px solid var(--border);border-radius:18px;padding:24px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.card p{color:var(--muted);margin:0}
.card .price{display:block;margin-top:16px;color:var(--text);font-weight:800;font-size:1.1rem}
`,
  gallery: `
.gallery{display:grid;gap:12px;grid-template-columns:repeat(2,1fr);margin:32px 0 0;padding:0;list-style:none}
@media (min-width:768px){.gallery{grid-template-columns:repeat(3,1fr);gap:16px}}
.gallery figure{margin:0}
.gallery img{width:100%;aspect-ratio:1/1;object-fit:cover;border-radius:14px;background:var(--border)}
.gallery figcaption{font-size:.88rem;color:var(--muted);margin-top:6px}
.empty{border:2px dashed var(--border);border-radius:14px;padding:32px;text-align:center;color:var(--muted)}
`,
  hours: `
.hours{display:grid;gap:24px;margin-top:24px;align-items:start}
@media (min-width:768px){.hours{grid-template-columns:3fr 2fr}}
.hours table{width:100%;border-collapse:collapse;background:var(--bg);border-radius:16px;overflow:hidden;border:1px solid var(--border)}
.hours th,.hours td{padding:12px 16px;text-align:left;border-bottom:1px solid var(--border)}
.hours th{font-weight:700;width:6em}
.hours td{font-variant-numeric:tabular-nums}
.hours .off td{color:var(--muted)}
.hours small{display:block;color:var(--muted)}
.holidays{background:var(--bg);border:1px solid var(--border);border-radius:16px;padding:20px 24px}
.holidays ul{margin:0;padding-left:1.2em}
`,
  location: `
.loc{display:grid;gap:24px;margin-top:24px}
@media (min-width:768px){.loc{grid-template-columns:1fr 1fr}}
.addr{font-size:1.2rem;font-weight:700;margin:0}
.loc dl{margin:0}
.loc dt{font-weight:700;margin-top:12px}
.loc dd{margin:0;color:var(--muted)}
.btn.map{background:var(--bg);color:var(--text);border-color:var(--border)}
`,
  reviews: `
.cards{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));margin-top:32px;padding:0;list-style:none}
.card{background:var(--bg);border:1px solid var(--border);border-radius:18px;padding:24px;margin:0}
.card blockquote{margin:0 0 16px;font-size:1.02rem}
.stars{color:var(--brand);letter-spacing:2px;margin-bottom:8px}
.card figcaption{font-weight:700;font-size:.92rem}
.card figcaption span{font-weight:400;color:var(--muted)}
`,
  contact: `
.form{display:grid;gap:16px;max-width:36em;margin-top:24px}
.form label{font-weight:700;display:block;margin-bottom:6px}
.form input[type=text],.form input[type=tel],.form textarea{width:100%;font:inherit;padding:12px 14px;border:1px solid var(--muted);border-radius:12px;background:var(--bg);color:var(--text)}
.form textarea{min-height:140px;resize:vertical}
.req{color:var(--muted);font-weight:400;font-size:.85rem}
.hp{position:absolute!important;left:-10000px;width:1px;height:1px;overflow:hidden}
.notice{background:var(--bg);border:1px solid var(--border);border-radius:14px;padding:16px 20px;font-size:.9rem}
.notice h3{font-size:1rem;margin-bottom:8px}
.notice dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px}
.notice dt{font-weight:700}
.notice dd{margin:0}
.notice p{margin:8px 0 0;color:var(--muted)}
.consent{display:flex!important;gap:10px;align-items:flex-start;font-weight:500!important}
.consent input{width:22px;height:22px;margin:2px 0 0;flex:none;accent-color:var(--primary)}
`,
  cta: `
.cta{background:var(--primary);color:var(--on-primary);border-radius:24px;padding:40px 28px;text-align:center}
.cta p{opacity:.95;margin:0 auto;max-width:32em}
.cta .btns{justify-content:center}
.cta .btn{background:var(--on-primary);color:var(--primary);border-color:var(--on-primary)}
.btn.kakao{background:#fee500;color:#191919;border-color:#fee500}
`,
  faq: `
.faq{max-width:46em;margin-top:24px}
.faq details{border-bottom:1px solid var(--border)}
.faq summary{cursor:pointer;padding:18px 36px 18px 0;font-weight:700;list-style:none;position:relative}
.faq summary::-webkit-details-marker{display:none}
.faq summary::after{content:"+";position:absolute;right:4px;top:14px;font-size:1.4rem;color:var(--brand)}
.faq details[open] summary::after{content:"−"}
.faq .answer{padding:0 0 18px;color:var(--muted)}
`,
};

export function pageCss(theme: SiteTheme, sectionTypesOnPage: Iterable<SectionType>): string {
  const palette = paletteFor(theme);
  const variables = `:root{--font:${fontStack(theme.font)};--bg:${palette.background};--text:${palette.text};--muted:${palette.muted};--surface:${palette.surface};--border:${palette.border};--brand:${palette.brandText};--primary:${palette.primary};--on-primary:${palette.onPrimary};--hero-end:${palette.heroEnd};--accent:${palette.accent};--on-accent:${palette.onAccent}}`;
  const used = new Set(sectionTypesOnPage);
  const sectionCss = [...used].sort().map((type) => SECTION_CSS[type]).join('\n');
  return variables + minify(BASE + sectionCss);
}
