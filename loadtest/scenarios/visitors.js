// Visitors of published sites: each iteration is one page view through the edge (the local CDN),
// addressed by the site's Host header like a browser at http://<slug>.localhost:<port>, checking
// the answer is the published page (200 and the page's own <title>). Now and then a view also
// loads one of the files the page links (icon, stylesheet, image), as a browser with an empty
// cache does.
import http from 'k6/http';
import { check } from 'k6';
import { baseOptions, config, scenario, seededSites, think } from './common.js';

export const VISITOR_ENDPOINTS = ['site_page', 'site_asset'];

export function visitSite() {
  const sites = seededSites();
  const site = sites[Math.floor(Math.random() * sites.length)];
  const page = site.pages[Math.floor(Math.random() * site.pages.length)];
  const headers = { Host: site.host, Accept: 'text/html,application/xhtml+xml', 'Accept-Language': 'ko-KR,ko;q=0.9' };
  const res = http.get(`${config.edgeUrl}${page.path}`, { headers, tags: { endpoint: 'site_page', name: 'GET site page' } });
  check(res, {
    'site page is 200': (r) => r.status === 200,
    'site page is the published page': (r) => typeof r.body === 'string' && r.body.includes(page.title),
  });
  if (Math.random() < 0.3 && site.assets.length > 0) {
    const file = site.assets[Math.floor(Math.random() * site.assets.length)];
    const res = http.get(`${config.edgeUrl}${file}`, {
      headers: { Host: site.host, Accept: '*/*' },
      tags: { endpoint: 'site_asset', name: 'GET site file' },
    });
    check(res, { 'site file is 200': (r) => r.status === 200 });
  }
  think();
}

export const options = baseOptions({ visitors: scenario('visitSite', config.targetVus, 1) }, VISITOR_ENDPOINTS);

export { handleSummary } from './summary.js';
