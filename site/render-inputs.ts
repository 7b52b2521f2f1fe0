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
//
// A site's hashes are made together (siteInputHashes): what every HTML file shares (the frame:
// site-wide fields and the navigation of every page) is written out and hashed once, and each
// file's inputs name the frame by that digest (decision 141). The sha256 is @noble/hashes by
// default because site/ also runs in the browser (the editor); the build worker passes
// node:crypto's, which is several times faster.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { SectionOf, SiteDocument, SiteImage, SitePage } from './schema.ts';

/** Changes whenever the shape of the inputs below changes (the renderer's code is hashed by its caller). */
const INPUTS_FORMAT = 'ww-render-inputs-3';

/** The hex sha256 of a text's UTF-8 bytes. */
export type Sha256Hex = (text: string) => string;

/** Pure JavaScript, so it runs in the browser too. */
export const sha256HexInJs: Sha256Hex = (text) => bytesToHex(sha256(utf8ToBytes(text)));

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
  /** Default: sha256HexInJs. */
  sha256Hex?: Sha256Hex;
  /**
   * Page hashes made before, by page object (a validated page is the same object from one
   * validation to the next when validateSiteDocumentReusing reuses it): a page's hash is taken
   * from here when everything else it covers — the frame, its images' fields, the opening
   * hours — is the same too, and stored here when it is made.
   */
  pageHashes?: PageHashes;
}

/** See RenderInputsOptions.pageHashes. */
export type PageHashes = WeakMap<SitePage, { around: string; hash: string }>;

/**
 * The text that is hashed: plain JSON. Equal documents give equal text because a validated
 * document's objects are rebuilt by its schema (validateSiteDocument) with their keys in the
 * schema's order, whatever the order they were stored in; the other inputs are built here and in
 * the worker in a fixed order. A document that skipped validation with its keys in another order
 * would only hash differently (a cache miss, never a wrong file). Sorting every object's keys
 * instead cost three times as much (1.0 against 0.33 ms for 50 pages, more on a busy host).
 */
const inputsJson = (value: unknown): string => JSON.stringify(value) ?? 'null';

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

/** The input hash of each output of one site (one document, one set of options). */
export interface SiteInputHashes {
  page(page: SitePage): string;
  privacy(): string;
  notFound(): string;
  sitemap(): string;
  robots(): string;
  favicon(): string;
  /** An uploaded image is published as it is: its bytes (by their sha256) and the path made from its name and type. */
  asset(asset: { fileName: string; contentType: string; sha256: string }): string;
}

/**
 * The input hashes of a site's outputs. What several outputs share is computed once, when the
 * first output that needs it asks: the frame every HTML file has (the document without its
 * pages — name, logo, theme, business details, SEO and any field added later — the navigation
 * made from the page list, the site address and the hosting provider), the first hours section
 * (the home page's JSON-LD) and each asset's fields.
 */
export function siteInputHashes(doc: SiteDocument, options: RenderInputsOptions): SiteInputHashes {
  const hashText = options.sha256Hex ?? sha256HexInJs;
  const hashInputs = (kind: string, inputs: unknown) => hashText(`${INPUTS_FORMAT}\n${kind}\n${inputsJson(inputs)}`);

  let frameDigest: string | undefined;
  const frame = () => {
    if (frameDigest === undefined) {
      const { pages, ...siteWide } = doc;
      frameDigest = hashInputs('frame', {
        siteUrl: options.siteUrl,
        hostingProvider: options.hostingProvider,
        site: siteWide,
        navigation: pages.map((page) => ({ slug: page.slug, title: page.title, navLabel: page.navLabel })),
      });
    }
    return frameDigest;
  };

  const assetEntries = new Map<string, unknown>();
  const assetEntry = (id: string) => {
    let entry = assetEntries.get(id);
    if (entry === undefined) {
      const asset = options.assets.get(id);
      // A missing asset is an input too: the render that sees it fails, so nothing is cached for it.
      entry = asset
        ? {
            id, fileName: asset.fileName, contentType: asset.contentType, width: asset.width, height: asset.height, sha256: asset.sha256,
            variants: (asset.variants ?? []).map((v) => ({ width: v.width, height: v.height, contentType: v.contentType, fileName: v.fileName, sha256: v.sha256 })),
          }
        : { id, missing: true };
      assetEntries.set(id, entry);
    }
    return entry;
  };
  const siteImageIds = [imageAsset(doc.logo), imageAsset(doc.seo.ogImage)].filter((id): id is string => id !== null);
  /** The frame by its digest, and the assets the header and head can show (logo, Open Graph images) with the page's own. */
  const frameInputs = (pageImages: string[]) => ({
    frame: frame(),
    assets: [...new Set([...siteImageIds, ...pageImages])].sort().map(assetEntry),
  });

  let firstHours: SectionOf<'hours'> | null | undefined;
  const hours = () => {
    firstHours ??= doc.pages.flatMap((p) => p.sections).find((section): section is SectionOf<'hours'> => section.type === 'hours') ?? null;
    return firstHours;
  };

  return {
    // The home page's JSON-LD carries the opening hours of the first hours section on any page.
    page: (page) => {
      const around = { ...frameInputs(pageImageIds(page)), hours: page.slug === '' ? hours() : null };
      if (!options.pageHashes) return hashInputs('page', { ...around, page });
      // What the hash covers besides the page itself, as text: the page's own text is what is
      // not written out again when the page is unchanged.
      const aroundText = inputsJson(around);
      const known = options.pageHashes.get(page);
      if (known?.around === aroundText) return known.hash;
      const hash = hashInputs('page', { ...around, page });
      options.pageHashes.set(page, { around: aroundText, hash });
      return hash;
    },
    // The policy lists every contact form with the title of the page it is on.
    privacy: () =>
      hashInputs('privacy', {
        ...frameInputs([]),
        forms: doc.pages.flatMap((page) =>
          page.sections.filter((section) => section.type === 'contact').map((section) => ({ pageTitle: page.title, section })),
        ),
      }),
    notFound: () => hashInputs('not-found', frameInputs([])),
    sitemap: () => hashInputs('sitemap', { siteUrl: options.siteUrl, slugs: doc.pages.map((page) => page.slug) }),
    robots: () => hashInputs('robots', { siteUrl: options.siteUrl }),
    favicon: () => hashInputs('favicon', { name: doc.name, theme: doc.theme }),
    asset: (asset) => hashInputs('asset', { fileName: asset.fileName, contentType: asset.contentType, sha256: asset.sha256 }),
  };
}
