// publish.p50_ms / p95_ms: the publish click (POST) until the edge serves the new content, for a
// 5-page site, 20 publishes; queue.pickup_p50_ms: build queued → worker started; and each
// process's peak resident memory during those publishes. Baseline: rendering the same site
// in-process (the part of a publish that is pure work).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '../db/index.ts';
import { renderSite, validateSiteDocument } from '../site/index.ts';
import { getFromEdge, startPlatform } from '../e2e/platform.ts';
import { percentile, type Figures } from './figures.ts';
import { HttpOwner } from './http-owner.ts';
import { withPeakMemory } from './memory.ts';

const PUBLISHES = 20;

function withFivePages(document: any): any {
  const pages = [...document.pages];
  let n = 1;
  while (pages.length < 5) {
    const copy = structuredClone(pages[0]);
    copy.sections = copy.sections.map((section: any, i: number) => ({ ...section, id: `bench-${n}-${i}` }));
    pages.push({ ...copy, id: `bench-page-${n}`, slug: `extra-${n}`, title: `추가 페이지 ${n}` });
    n += 1;
  }
  return { ...document, pages };
}

function setHeadline(document: any, text: string): any {
  const copy = structuredClone(document);
  const hero = copy.pages[0].sections.find((s: any) => s.type === 'hero');
  if (!hero) throw new Error('the template has no hero section to edit');
  hero.heading = text;
  return copy;
}

export async function benchPublish(options: { executor: 'process' | 'docker' | 'auto' }): Promise<Figures> {
  const platform = await startPlatform(`bench-publish-${options.executor}`, { BUILD_EXECUTOR: options.executor });
  try {
    const dbUrl = (JSON.parse(readFileSync(path.join(platform.dataDir, 'postgres.json'), 'utf8')) as { url: string }).url;
    const sql = connect(dbUrl, { max: 2 });
    const owner = new HttpOwner(platform.webUrl);
    await owner.signUp(`bench-${Date.now()}@example.com`);
    const slug = `bench-${Date.now().toString(36)}`;
    const siteId = await owner.createSite(slug);
    let { document, revision } = await owner.loadDocument(siteId);
    document = withFivePages(document);
    revision = await owner.saveDocument(siteId, document, revision);

    // Wait until every platform process has registered, so we know their PIDs.
    let pids: Record<string, number> = {};
    for (let i = 0; i < 200 && Object.keys(pids).length < 3; i++) {
      const rows = await sql<{ kind: string; pid: number }[]>`
        select distinct on (kind) kind, pid from process_heartbeats
        where kind in ('web', 'worker', 'edge') and stopped_at is null order by kind, started_at desc`;
      pids = Object.fromEntries(rows.map((r) => [r.kind, r.pid]));
      if (Object.keys(pids).length < 3) await new Promise((r) => setTimeout(r, 300));
    }

    const durations: number[] = [];
    const { peakMb } = await withPeakMemory(pids, async () => {
      for (let i = 0; i < PUBLISHES; i++) {
        const headline = `벤치 게시 ${i} ${Date.now()}`;
        document = setHeadline(document, headline);
        revision = await owner.saveDocument(siteId, document, revision);
        const started = performance.now();
        await owner.publish(siteId);
        const deadline = Date.now() + 60_000;
        while (true) {
          const page = await getFromEdge(platform.edgePort, `${slug}.localhost:${platform.edgePort}`, '/');
          if (page.status === 200 && page.body.includes(headline)) break;
          if (Date.now() > deadline) throw new Error(`publish ${i} did not go live within 60 s`);
          await new Promise((r) => setTimeout(r, 5));
        }
        durations.push(performance.now() - started);
      }
    });

    const pickups = await sql<{ ms: number }[]>`
      select extract(epoch from (started_at - queued_at)) * 1000 as ms
      from builds where site_id = ${siteId} and started_at is not null`;
    const [{ executor }] = await sql<{ executor: string }[]>`
      select executor from builds where site_id = ${siteId} and executor is not null order by queued_at desc limit 1`;
    await sql.end();

    const validated = validateSiteDocument(document);
    if (!validated.ok) throw new Error('bench document is invalid');
    const renders: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      renderSite(validated.document, { siteUrl: `http://${slug}.localhost`, assets: new Map(), hostingProvider: 'WindWalker' });
      renders.push(performance.now() - t);
    }
    const renderP50 = percentile(renders, 50);
    const baseline = { name: 'render only, in-process p50', value: renderP50, unit: 'ms' };
    const tag = options.executor === 'docker' ? 'publish.docker_' : 'publish.';
    const figures: Figures = {
      [`${tag}p50_ms`]: { value: percentile(durations, 50), unit: `ms (${executor} executor)`, baseline },
      [`${tag}p95_ms`]: { value: percentile(durations, 95), unit: `ms (${executor} executor)`, baseline, goal: options.executor === 'docker' ? '< 2000' : undefined },
    };
    if (options.executor !== 'docker') {
      figures['queue.pickup_p50_ms'] = { value: percentile(pickups.map((p) => Number(p.ms)), 50), unit: 'ms' };
      figures['mem.web_peak_mb'] = { value: peakMb.web, unit: 'MB', goal: '< 300' };
      figures['mem.worker_peak_mb'] = { value: peakMb.worker, unit: 'MB', goal: '< 200' };
      figures['mem.edge_peak_mb'] = { value: peakMb.edge, unit: 'MB', goal: '< 200' };
    }
    return figures;
  } finally {
    await platform.stop();
  }
}
