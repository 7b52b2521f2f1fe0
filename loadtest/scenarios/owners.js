// Owners editing their sites in the builder, sending what the browser sends:
//   - log in once per virtual user (the login form's Remix submission: POST /login?_data=routes/login,
//     form-encoded, with Origin) and keep the session cookie, as a browser does;
//   - each iteration opens the site list (GET /sites) and the builder (GET /sites/:id, the
//     server-rendered editor whose embedded loader data carries the document and its revision),
//   - autosaves two edits (POST /sites/:id/document, JSON { document, baseRevision }, exactly as
//     web/app/components/builder/use-autosave.ts does), pausing between them like a person typing,
//   - and now and then publishes (the builder's useSubmit: POST /sites/:id?index&_data=… intent=publish),
//     then opens the build page's data as the client-side navigation does.
// A 409 autosave answer (another tab saved first) is expected behaviour: the VU adopts the newer
// revision, as the editor's "load the newer one" does, and saves again.
import http from 'k6/http';
import { check, fail } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { baseOptions, config, scenario, seededOwners, think } from './common.js';

export const OWNER_ENDPOINTS = ['login', 'sites_list', 'builder', 'autosave', 'publish', 'build_page'];

const BUILDER_ROUTE = 'routes/sites.$siteId._index';
const autosaveConflicts = new Counter('autosave_conflicts');
const publishes = new Counter('publishes');

/** State of this virtual user (one browser): its account and whether it is logged in. */
const me = { owner: null, loggedIn: false, edits: 0, saidWhyLoginFailed: false };

function origin() {
  return { Origin: config.webUrl, Referer: `${config.webUrl}/` };
}

function pickOwner() {
  const owners = seededOwners();
  // One account per VU while there are enough; beyond that VUs share (and may meet 409s).
  return owners[(exec.vu.idInTest - 1) % owners.length];
}

function logIn() {
  const page = http.get(`${config.webUrl}/login`, { tags: { endpoint: 'login', name: 'GET /login' } });
  check(page, { 'login page is 200': (r) => r.status === 200 });
  const res = http.post(
    `${config.webUrl}/login?_data=routes%2Flogin`,
    { redirectTo: '/sites', email: me.owner.email, password: me.owner.password },
    { headers: { ...origin(), Referer: `${config.webUrl}/login` }, redirects: 0, tags: { endpoint: 'login', name: 'POST /login' } },
  );
  const ok = check(res, {
    'login answers the redirect to /sites': (r) => r.status === 204 && r.headers['X-Remix-Redirect'] === '/sites',
  });
  me.loggedIn = ok;
  // Say why once per VU (status and the start of the answer), so a failing login is diagnosable.
  if (!ok && !me.saidWhyLoginFailed) {
    me.saidWhyLoginFailed = true;
    console.warn(`login of ${me.owner.email} answered ${res.status}: ${String(res.body || res.error || '').slice(0, 200)}`);
  }
  return ok;
}

/** The builder's loader data, read from the server-rendered page as the browser's hydration does. */
function builderData(body) {
  const match = /window\.__remixContext = (\{.*?\});<\/script>/s.exec(body || '');
  if (!match) return null;
  try {
    const context = JSON.parse(match[1]);
    return context.state.loaderData[BUILDER_ROUTE] || null;
  } catch (error) {
    return null;
  }
}

function editHeadline(document, text) {
  const copy = JSON.parse(JSON.stringify(document));
  const home = copy.pages.find((p) => p.slug === '') || copy.pages[0];
  const hero = home.sections.find((s) => s.type === 'hero' || typeof s.heading === 'string');
  if (hero) hero.heading = text;
  else copy.name = text.slice(0, 60);
  return copy;
}

function autosave(siteId, state, text) {
  const document = editHeadline(state.document, text);
  const res = http.post(`${config.webUrl}/sites/${siteId}/document`, JSON.stringify({ document, baseRevision: state.revision }), {
    headers: { ...origin(), Referer: `${config.webUrl}/sites/${siteId}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    tags: { endpoint: 'autosave', name: 'POST /sites/:id/document' },
    responseCallback: http.expectedStatuses(200, 409),
  });
  if (res.status === 409) {
    autosaveConflicts.add(1);
    const answer = res.json();
    state.revision = answer.currentRevision;
    state.document = answer.currentDocument;
    return true;
  }
  const saved = check(res, { 'autosave is saved': (r) => r.status === 200 && r.json('ok') === true });
  if (saved) {
    state.revision = res.json('revision');
    state.document = document;
  }
  return saved;
}

function publish(siteId) {
  const res = http.post(
    `${config.webUrl}/sites/${siteId}?index&_data=${encodeURIComponent(BUILDER_ROUTE)}`,
    { intent: 'publish' },
    { headers: { ...origin(), Referer: `${config.webUrl}/sites/${siteId}` }, redirects: 0, tags: { endpoint: 'publish', name: 'POST /sites/:id publish' } },
  );
  const redirect = res.headers['X-Remix-Redirect'] || '';
  const ok = check(res, { 'publish queues a build': (r) => r.status === 204 && redirect.startsWith(`/sites/${siteId}/builds/`) });
  if (!ok) return;
  publishes.add(1);
  const buildRoute = 'routes/sites.$siteId.builds.$buildId';
  const build = http.get(`${config.webUrl}${redirect}?_data=${encodeURIComponent(buildRoute)}`, {
    headers: { Accept: '*/*' },
    tags: { endpoint: 'build_page', name: 'GET /sites/:id/builds/:id data' },
  });
  check(build, { 'build page data is 200': (r) => r.status === 200 });
}

export function editSite() {
  if (!me.owner) me.owner = pickOwner();
  if (!me.loggedIn && !logIn()) {
    think();
    return;
  }
  const siteId = me.owner.siteId;

  const list = http.get(`${config.webUrl}/sites`, { tags: { endpoint: 'sites_list', name: 'GET /sites' } });
  if (list.status === 200 && list.url.includes('/login')) me.loggedIn = false;
  check(list, { 'site list shows the site': (r) => r.status === 200 && r.body.includes(`/sites/${siteId}`) });
  think();

  const page = http.get(`${config.webUrl}/sites/${siteId}`, { tags: { endpoint: 'builder', name: 'GET /sites/:id' } });
  const data = page.status === 200 ? builderData(page.body) : null;
  if (!check(page, { 'builder opens with the document': () => data !== null && data.site.id === siteId })) {
    think();
    return;
  }
  const state = { document: data.site.document, revision: data.site.revision };
  think();

  for (let i = 0; i < 2; i++) {
    me.edits += 1;
    autosave(siteId, state, `부하 테스트 편집 ${exec.vu.idInTest}-${me.edits}`);
    think();
  }

  if (Math.random() < config.publishRatio) {
    publish(siteId);
    think();
  }
}

export function setup() {
  if (seededOwners().length === 0) fail('The seed has no owner accounts: run through `npm run loadtest`.');
}

export const options = baseOptions({ owners: scenario('editSite', config.targetVus, 4) }, OWNER_ENDPOINTS);

export { handleSummary } from './summary.js';
