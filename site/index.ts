/**
 * site/ — the site document, its block library, the templates and the static renderer.
 * Pure: a document in, files out (no database, file system, network or environment), so the
 * editor preview, the build worker and the tests render the same way.
 */
export {
  siteDocumentSchema,
  sectionSchema,
  pageSchema,
  businessSchema,
  themeSchema,
  imageSchema,
  validateSiteDocument,
  validateSiteDocumentReusing,
  type ReusingValidation,
  type ValidatedBefore,
  listMissingBusinessDetails,
  fonts,
  businessTypes,
  weekdays,
  weekdayLabels,
  SITE_DOCUMENT_VERSION,
  type SiteDocument,
  type SiteDocumentInput,
  type SiteDocumentError,
  type SitePage,
  type Section,
  type SectionType,
  type SectionOf,
  type SiteImage,
  type SiteTheme,
  type BusinessDetails,
  type FontId,
  type Weekday,
} from './schema.ts';
export { sectionTypes, sectionLabels, sectionDescriptions, createSection } from './sections.ts';
export { sectionTextAt, withSectionText } from './inline-text.ts';
export { checkNewPage, checkPageSlug, type NewPageInput, type NewPageCheck } from './pages.ts';
export { templates, createSiteDocument, type SiteTemplate } from './templates.ts';
export {
  renderSite,
  planSiteRender,
  renderPagePreview,
  renderFormResponsePage,
  collectAssetIds,
  assetPath,
  contactFormAction,
  contactFormFields,
  contactFormHoneypotField,
  contactFormConsentField,
  PRIVACY_SLUG,
  type SiteAsset,
  type SiteAssetVariant,
  type RenderedFile,
  type RenderSiteOptions,
  type PlannedOutput,
  type PlannedOutputKind,
  type RenderPreviewOptions,
  type FormResponseOptions,
} from './render.ts';
export type { PageHashes } from './render-inputs.ts';
export {
  listContactForms,
  parseContactSubmission,
  type ContactForm,
  type ContactSubmission,
  type ContactSubmissionResult,
} from './contact-form.ts';
export { contrastRatio, readableTextOn } from './colour.ts';
export { formatWon } from './korean.ts';
