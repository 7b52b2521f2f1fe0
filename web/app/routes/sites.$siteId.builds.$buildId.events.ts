// GET /sites/:siteId/builds/:buildId/events — the build's log lines and status as server-sent
// events. The stream subscribes first and then reads the stored lines after Last-Event-ID, so
// nothing written between the two is missed; duplicates are dropped by log id. The stream
// ends once the build is finished (the browser's EventSource is then closed by the page).
import type { LoaderFunctionArgs } from '@remix-run/node';
import { getBuild, listBuildLogs, subscribeToBuild, type BuildEvent } from '../../../buildfarm/index.ts';
import { requireMember } from '../auth.server.ts';
import { sql } from '../db.server.ts';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'superseded']);
const KEEPALIVE_MS = 15_000;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireMember(request, 'viewer');
  const buildId = params.buildId ?? '';
  const build = await getBuild(sql, tenant.id, buildId);
  if (!build || build.siteId !== params.siteId) return new Response('빌드를 찾을 수 없습니다.', { status: 404 });

  const lastEventId = Number(request.headers.get('last-event-id') ?? new URL(request.url).searchParams.get('after') ?? 0) || 0;
  const encoder = new TextEncoder();
  let stop: (() => Promise<void>) | null = null;
  let keepalive: ReturnType<typeof setInterval> | null = null;
  let closed = false;

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastLogId = lastEventId;
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const close = async () => {
        if (closed) return;
        closed = true;
        if (keepalive) clearInterval(keepalive);
        await stop?.().catch(() => {});
        controller.close();
      };
      const emit = (event: BuildEvent) => {
        if (event.type === 'log') {
          if (event.id <= lastLogId) return;
          lastLogId = event.id;
          send(`id: ${event.id}\nevent: log\ndata: ${JSON.stringify(event)}\n\n`);
        } else {
          send(`event: status\ndata: ${JSON.stringify(event)}\n\n`);
          if (FINISHED.has(event.status)) void close();
        }
      };
      request.signal.addEventListener('abort', () => void close());

      stop = await subscribeToBuild(sql, build.id, emit);
      send('retry: 3000\n\n');
      for (const line of await listBuildLogs(sql, tenant.id, build.id, lastLogId)) {
        emit({ type: 'log', buildId: build.id, id: line.id, at: line.at.toISOString(), level: line.level, stage: line.stage, message: line.message });
      }
      const current = await getBuild(sql, tenant.id, build.id);
      if (current) {
        emit({
          type: 'status', buildId: current.id, status: current.status, stage: current.stage,
          progress: current.progress, error: current.error, deploymentId: current.deploymentId,
        });
      }
      keepalive = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
    },
    async cancel() {
      closed = true;
      if (keepalive) clearInterval(keepalive);
      await stop?.().catch(() => {});
    },
  });

  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}
