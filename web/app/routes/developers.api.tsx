// /developers/api: the API reference, rendered here from the same OpenAPI document that
// /api/v1/openapi.json serves (no third-party scripts). Public on purpose, like the document.
import type { MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { buildOpenApiDocument } from '~/api/openapi.server.ts';

export const meta: MetaFunction = () => [{ title: 'API 문서 — WindWalker' }];

interface Operation {
  method: string;
  path: string;
  summary: string;
  description: string;
  tag: string;
  parameters: { name: string; in: string; required: boolean; description: string }[];
  body: unknown;
  example: unknown;
  responses: { status: string; description: string }[];
}

export async function loader() {
  const doc = buildOpenApiDocument() as {
    info: { title: string; description: string; version: string };
    paths: Record<string, Record<string, Record<string, any>>>;
    components?: { schemas?: Record<string, unknown> };
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const media = op.requestBody?.content?.['application/json'];
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? '',
        description: op.description ?? '',
        tag: op.tags?.[0] ?? '',
        parameters: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, required: Boolean(p.required), description: p.description ?? '' })),
        body: media?.schema ?? null,
        example: media?.example ?? null,
        responses: Object.entries(op.responses ?? {}).map(([status, r]: [string, any]) => ({ status, description: r.description ?? '' })),
      });
    }
  }
  return json({ info: doc.info, operations, schemas: doc.components?.schemas ?? {} });
}

export default function ApiReference() {
  const { info, operations, schemas } = useLoaderData<typeof loader>();
  const tags = [...new Set(operations.map((o) => o.tag))];
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>{info.title} <span className="muted small">v{info.version}</span></h1>
          {info.description.split('\n\n').map((p, i) => <p key={i}>{p}</p>)}
          <p>
            기본 주소 <code>/api/v1</code> · 인증 <code>Authorization: Bearer ww_live_…</code> · 기계가 읽는 문서{' '}
            <a href="/api/v1/openapi.json">openapi.json</a> · 키 만들기 <a href="/settings/api-keys">API 키</a>
          </p>
        </div>
      </div>
      <nav className="card" aria-label="목차">
        {tags.map((tag) => <a key={tag} href={`#${tag}`} style={{ marginRight: 12 }}>{tag}</a>)}
        <a href="#schemas">Schemas</a>
      </nav>
      {tags.map((tag) => (
        <section key={tag} id={tag} style={{ marginTop: 24 }}>
          <h2>{tag}</h2>
          {operations.filter((o) => o.tag === tag).map((op) => (
            <article key={`${op.method} ${op.path}`} className="card" style={{ marginBottom: 12 }} id={`${op.method}-${op.path}`}>
              <h3><code>{op.method} {op.path}</code> — {op.summary}</h3>
              {op.description.split('\n\n').map((p, i) => <p key={i} className="muted small">{p}</p>)}
              {op.parameters.length ? (
                <table className="table">
                  <thead><tr><th>이름 / name</th><th>위치 / in</th><th>필수</th><th>설명</th></tr></thead>
                  <tbody>
                    {op.parameters.map((p) => (
                      <tr key={`${p.in}-${p.name}`}><td><code>{p.name}</code></td><td>{p.in}</td><td>{p.required ? '예' : ''}</td><td className="small">{p.description}</td></tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
              {op.body ? (
                <details>
                  <summary>요청 본문 / request body</summary>
                  <pre className="small" style={{ overflowX: 'auto' }}>{JSON.stringify(op.body, null, 2)}</pre>
                  {op.example ? <pre className="small" style={{ overflowX: 'auto' }}>{`// 예시 / example\n${JSON.stringify(op.example, null, 2)}`}</pre> : null}
                </details>
              ) : null}
              <ul className="small">
                {op.responses.map((r) => <li key={r.status}><code>{r.status}</code> {r.description}</li>)}
              </ul>
            </article>
          ))}
        </section>
      ))}
      <section id="schemas" style={{ marginTop: 24 }}>
        <h2>Schemas</h2>
        {Object.entries(schemas).map(([name, schema]) => (
          <details key={name} className="card" style={{ marginBottom: 8 }}>
            <summary><code>{name}</code></summary>
            <pre className="small" style={{ overflowX: 'auto', maxHeight: 480 }}>{JSON.stringify(schema, null, 2)}</pre>
          </details>
        ))}
      </section>
    </div>
  );
}
