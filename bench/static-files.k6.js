// The same load on two static servers (bench/loadtest.bench.ts: our edge and nginx serving the same
// published files): VUS users, no think time, each request one of the published paths at random
// with the site's Host header, keep-alive on (k6 reuses connections), no compression asked for.
import http from 'k6/http';
import { check } from 'k6';
import { SharedArray } from 'k6/data';

const targets = new SharedArray('targets', () => JSON.parse(open(__ENV.TARGETS_FILE)));
const baseUrl = __ENV.BASE_URL;
const port = __ENV.PORT;

export const options = {
  scenarios: { serve: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION } },
  discardResponseBodies: true,
  summaryTrendStats: ['p(50)', 'p(95)', 'p(99)'],
};

export default function () {
  const target = targets[Math.floor(Math.random() * targets.length)];
  const res = http.get(`${baseUrl}${target.path}`, {
    headers: { Host: `${target.slug}.localhost:${port}`, 'Accept-Encoding': 'identity' },
  });
  check(res, { 'answered 200': (r) => r.status === 200 });
}

export function handleSummary(data) {
  return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) };
}
