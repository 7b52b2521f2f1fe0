// Shared by the k6 scenarios: configuration from the environment (set by loadtest/run.ts), the
// seeded tenants, sites and accounts, the load model (closed: ramping VUs; open: arrival rate),
// the thresholds that fail a run, and the JSON summary the runner stores.
import { SharedArray } from 'k6/data';
import { sleep } from 'k6';

function envNumber(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got '${raw}'`);
  return value;
}

function envText(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) throw new Error(`${name} is not set: run the scenarios through \`npm run loadtest\` (loadtest/run.ts).`);
    return fallback;
  }
  return raw;
}

export const config = {
  targetVus: envNumber('TARGET_VUS', 10),
  model: envText('MODEL', 'closed'),
  rampUp: envText('RAMP_UP', '10s'),
  duration: envText('DURATION', '30s'),
  thinkTime: envNumber('THINK_TIME', 1),
  publishRatio: envNumber('PUBLISH_RATIO', 0.02),
  visitorShare: envNumber('VISITOR_SHARE', 0.8),
  webUrl: envText('WEB_URL', '').replace(/\/+$/, ''),
  edgeUrl: envText('EDGE_URL', '').replace(/\/+$/, ''),
  summaryFile: envText('SUMMARY_FILE', ''),
};

if (config.model !== 'closed' && config.model !== 'open') {
  throw new Error(`MODEL must be closed or open, got '${config.model}'`);
}

/**
 * The seed written by loadtest/run.ts: published sites (for visitors) and owner accounts. One
 * SharedArray element per site and per owner: k6 parses an element's JSON on every index, so a
 * single element holding the whole seed made each page view parse all of it (most of k6's CPU).
 */
const sites = new SharedArray('sites', () => JSON.parse(open(envText('SEED_FILE'))).sites);
const owners = new SharedArray('owners', () => JSON.parse(open(envText('SEED_FILE'))).owners);
export function seededSites() {
  return sites;
}
export function seededOwners() {
  return owners;
}

/** A visitor's or owner's pause between pages; none in the open model (the arrival rate paces it). */
export function think() {
  if (config.model === 'open' || config.thinkTime <= 0) return;
  sleep(config.thinkTime * (0.5 + Math.random()));
}

/**
 * One k6 scenario for `vus` users running `exec`. Closed model: ramp from 0 to `vus` VUs over
 * RAMP_UP, then hold for DURATION. Open model: iterations arrive at the rate those users would
 * start them (vus / (think time × pauses per iteration)) for DURATION, whatever the latency.
 */
export function scenario(exec, vus, pausesPerIteration) {
  if (config.model === 'closed') {
    return {
      executor: 'ramping-vus',
      exec,
      startVUs: 0,
      stages: [
        { duration: config.rampUp, target: vus },
        { duration: config.duration, target: vus },
      ],
      gracefulRampDown: '5s',
      gracefulStop: '10s',
    };
  }
  const secondsPerIteration = Math.max(config.thinkTime, 0.001) * Math.max(pausesPerIteration, 1);
  const ratePerMinute = Math.max(1, Math.round((vus / secondsPerIteration) * 60));
  return {
    executor: 'constant-arrival-rate',
    exec,
    rate: ratePerMinute,
    timeUnit: '1m',
    duration: config.duration,
    preAllocatedVUs: vus,
    maxVUs: vus * 2,
    gracefulStop: '10s',
  };
}


/**
 * The pass/fail rule of every run: p95 under 500 ms and fewer than 0.1% failed requests. The
 * per-endpoint entries always hold; they only make k6 report each endpoint's latency.
 */
export function thresholds(endpoints) {
  const result = {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.001'],
  };
  for (const endpoint of endpoints) {
    result[`http_req_duration{endpoint:${endpoint}}`] = ['max>=0'];
    result[`http_req_failed{endpoint:${endpoint}}`] = ['rate>=0'];
  }
  return result;
}

export function baseOptions(scenarios, endpoints) {
  return {
    scenarios,
    thresholds: thresholds(endpoints),
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    discardResponseBodies: false,
    noCookiesReset: true,
    userAgent: 'WindWalker-loadtest/1 (k6)',
    // The platform answers on loopback; keep connections alive as browsers do.
    noConnectionReuse: false,
  };
}
