// What each published file depends on, for the build cache: every output of planSiteRender
// carries the sha256 of exactly the parts of the document and the options its bytes are made
// from. Two equal hashes mean byte-identical files from the same renderer code, so a build may
// reuse a file whose hash it has seen before instead of rendering and uploading it again.
//
// This file must follow the renderer: whatever render.ts reads to make an output has to be in
// that output's inputs here. Reading another page's fields in a page (the navigation reads
// slug, title and navLabel; the home page's JSON-LD reads the first hours section; the privacy
// page reads every contact section) is the part that is easy to miss; render-plan.test.ts
// checks, edit by edit, that reusing files by these hashes gives what a full render gives.
// @noble/hashes rather than node:crypto: site/ also runs in the browser (the editor).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { SectionOf, SiteDocument, SiteImage, SitePage } from './schema.ts';

/** Changes whenever the shape of the inputs below changes (the renderer's code is hashed by its caller). */
const INPUTS_FORMAT = 'ww-render-inputs-1';

/** The asset fields a page's markup uses (file name, type and hash make its path; width and height its attributes). */
export interface AssetInputs {
  id: string;
  fileName: string;
  contentType: string;
  width: number | null;
  height: number | null;
  sha256: string;
  /** resized copies: their paths and widths are in the page's <picture> */
  variants?: { width: number; height: number; contentType: string; fileName: string; sha256: string }[];
}

export interface RenderInputsOptions {
  siteUrl: string;
  hostingProvider: string;
  assets: Map<string, AssetInputs>;
}

/** JSON with object keys sorted, so equal values always hash the same whatever their key order. */
function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function hashInputs(kind: string, inputs: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(`${INPUTS_FORMAT}\n${kind}\n${canonicalJson(inputs)}`)));
}

function imageAsset(image: SiteImage | undefined): string | null {
  return image && 'assetId' in image ? image.assetId : null;
}

/** The images a page's own markup can show or link (sections and its Open Graph image). */
function pageImageIds(page: SitePage): string[] {
  const ids: string[] = [];
  const add = (image: SiteImage | undefined) => {
    const id = imageAsset(image);
    if (id) ids.push(id);
  };
  add(page.ogImage);
  for (const section of page.sections) {
    if (section.type === 'hero' || section.type === 'about') add(section.image);
    if (section.type === 'gallery') section.items.forEach((item) => add(item.image));
  }
  return ids;
}

/**
 * What every HTML file shares: the document without its pages (name, logo, theme, business
 * details, SEO — and any field added later), the navigation made from the page list, the
 * options, and the assets the header and head can show (logo, the site's Open Graph image).
 */
function frameInputs(doc: SiteDocument, options: RenderInputsOptions, extraImageIds: string[]) {
  const { pages, ...siteWide } = doc;
  const imageIds = [imageAsset(doc.logo), imageAsset(doc.seo.ogImage), ...extraImageIds].filter((id): id is string => id !== null);
  const assets = [...new Set(imageIds)].sort().map((id) => {
    const asset = options.assets.get(id);
    // A missing asset is an input too: the render that sees it fails, so nothing is cached for it.
    return asset
      ? {
          id, fileName: asset.fileName, contentType: asset.contentType, width: asset.width, height: asset.height, sha256: asset.sha256,
          variants: (asset.variants ?? []).map((v) => ({ width: v.width, height: v.height, contentType: v.contentType, fileName: v.fileName, sha256: v.sha256 })),
        }
      : { id, missing: true };
  });
  return {
    siteUrl: options.siteUrl,
    hostingProvider: options.hostingProvider,
    site: siteWide,
    navigation: pages.map((page) => ({ slug: page.slug, title: page.title, navLabel: page.navLabel })),
    assets,
  };
}

export function pageInputsHash(doc: SiteDocument, page: SitePage, options: RenderInputsOptions): string {
  // The home page's JSON-LD carries the opening hours of the first hours section on any page.
  const hours =
    page.slug === ''
      ? doc.pages.flatMap((p) => p.sections).find((section): section is SectionOf<'hours'> => section.type === 'hours') ?? null
      : null;
  return hashInputs('page', { frame: frameInputs(doc, options, pageImageIds(page)), page, hours });
}

export function privacyInputsHash(doc: SiteDocument, options: RenderInputsOptions): string {
  // The policy lists every contact form with the title of the page it is on.
  const forms = doc.pages.flatMap((page) =>
    page.sections.filter((section) => section.type === 'contact').map((section) => ({ pageTitle: page.title, section })),
  );
  return hashInputs('privacy', { frame: frameInputs(doc, options, []), forms });
}

export function notFoundInputsHash(doc: SiteDocument, options: RenderInputsOptions): string {
  return hashInputs('not-found', { frame: frameInputs(doc, options, []) });
}

export function sitemapInputsHash(doc: SiteDocument, siteUrl: string): string {
  return hashInputs('sitemap', { siteUrl, slugs: doc.pages.map((page) => page.slug) });
}

export function robotsInputsHash(siteUrl: string): string {
  return hashInputs('robots', { siteUrl });
}

export function faviconInputsHash(doc: SiteDocument): string {
  return hashInputs('favicon', { name: doc.name, theme: doc.theme });
}

/** An uploaded image is published as it is: its bytes (by their sha256) and the path made from its name and type. */
export function assetInputsHash(asset: { id?: string; fileName: string; contentType: string; sha256: string }): string {
  return hashInputs('asset', { fileName: asset.fileName, contentType: asset.contentType, sha256: asset.sha256 });
}
