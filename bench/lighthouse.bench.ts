// lighthouse.min_performance / min_accessibility / min_best_practices / min_seo: the lowest
// Lighthouse score (0–100, mobile profile) across the home pages of every template, published
// through the platform (npm start on free ports, an owner over HTTP, the real build and edge) the
// way an owner would: business details filled in and a photo uploaded as the hero's background
// (the templates ship without photos, and a page without one measures nothing about images);
// site.max_home_kb: the heaviest home page, all bytes transferred (Lighthouse total-byte-weight).
// Chromium is Debian's (/usr/bin/chromium); *.localhost resolves to 127.0.0.1 inside Chromium.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startPlatform } from '../e2e/platform.ts';
import { templates } from '../site/index.ts';
import type { Figures } from './figures.ts';
import { HttpOwner } from './http-owner.ts';
import { photoLikeJpeg } from './photo.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

/** Business details a real owner fills in before publishing (the legal footer shows them). */
const BUSINESS = {
  representative: '김대표',
  address: '서울특별시 마포구 월드컵로 1',
  phone: '02-123-4567',
  email: 'owner@example.com',
  registrationNumber: '123-45-67890',
  mailOrderNumber: '제2025-서울마포-0001호',
  privacyOfficer: '김대표',
  privacyOfficerContact: 'owner@example.com',
};

export interface TemplateScores {
  template: string;
  url: string;
  scores: Record<(typeof CATEGORIES)[number], number>;
  totalBytes: number;
}

export async function benchLighthouse(): Promise<Figures> {
  const platform = await startPlatform('bench-lighthouse', { BUILD_EXECUTOR: 'process' });
  const results: TemplateScores[] = [];
  let chrome: chromeLauncher.LaunchedChrome | undefined;
  try {
    // Publish every template (one workspace each: plan limits on sites do not matter here).
    const published: { template: string; slug: string }[] = [];
    const heroPhoto = await photoLikeJpeg(2400, 1500, 60);
    for (const template of templates) {
      const owner = new HttpOwner(platform.webUrl);
      await owner.signUp(`lighthouse-${template.id}@example.com`);
      const slug = `lh-${template.id}`;
      const siteId = await owner.createSite(slug, template.id);
      const { document, revision } = await owner.loadDocument(siteId);
      const assetId = await owner.uploadImage(siteId, `${template.id}-hero.jpg`, heroPhoto);
      const hero = document.pages[0].sections.find((section: { type: string }) => section.type === 'hero');
      if (!hero) throw new Error(`the ${template.id} template has no hero on its home page`);
      hero.image = { assetId, alt: `${template.name} 매장 사진` };
      await owner.saveDocument(siteId, { ...document, business: { ...document.business, ...BUSINESS } }, revision);
      await owner.publish(siteId);
      published.push({ template: template.id, slug });
    }
    for (const { template, slug } of published) {
      const deadline = Date.now() + 120_000;
      while ((await platform.fetchSite(slug)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`${slug} did not go live within 120 s. Platform output:\n${platform.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }

    chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: CHROME_FLAGS });
    for (const { template, slug } of published) {
      const url = `${platform.siteUrl(slug)}/`;
      const run = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] });
      if (!run) throw new Error(`Lighthouse returned nothing for ${url}`);
      const { lhr } = run;
      if (lhr.runtimeError) throw new Error(`Lighthouse could not load ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      const score = (id: string) => {
        const value = lhr.categories[id]?.score;
        if (typeof value !== 'number') throw new Error(`Lighthouse gave no ${id} score for ${url}`);
        return Math.round(value * 100);
      };
      const totalBytes = Number(lhr.audits['total-byte-weight']?.numericValue ?? NaN);
      if (!Number.isFinite(totalBytes)) throw new Error(`Lighthouse gave no total-byte-weight for ${url}`);
      results.push({
        template,
        url,
        scores: { performance: score('performance'), accessibility: score('accessibility'), 'best-practices': score('best-practices'), seo: score('seo') },
        totalBytes,
      });
      const failing = Object.values(lhr.audits)
        .filter((audit) => audit.score !== null && audit.score < 1 && audit.scoreDisplayMode === 'binary')
        .map((audit) => audit.id);
      console.log(`lighthouse ${template}: ${JSON.stringify(results[results.length - 1].scores)} ${(totalBytes / 1024).toFixed(1)} KB${failing.length ? ` (failing: ${failing.join(', ')})` : ''}`);
    }
  } finally {
    await chrome?.kill();
    await platform.stop();
  }

  const lowest = (category: (typeof CATEGORIES)[number]) => {
    const worst = results.reduce((a, b) => (b.scores[category] < a.scores[category] ? b : a));
    return { value: worst.scores[category], unit: `score (worst: ${worst.template}; home pages with a hero photo)`, goal: '>= 95' };
  };
  const heaviest = results.reduce((a, b) => (b.totalBytes > a.totalBytes ? b : a));
  return {
    'lighthouse.min_performance': lowest('performance'),
    'lighthouse.min_accessibility': lowest('accessibility'),
    'lighthouse.min_best_practices': lowest('best-practices'),
    'lighthouse.min_seo': lowest('seo'),
    'site.max_home_kb': { value: Math.round((heaviest.totalBytes / 1024) * 10) / 10, unit: `KB (heaviest: ${heaviest.template}; with a hero photo)`, goal: '< 150' },
  };
}
