// No lock-in, from inside the builder: download the published site as static files and the
// document as JSON, import a document back, and read what visitors sent through the forms.
import { Link } from '@remix-run/react';
import { useId, useRef, useState } from 'react';
import type { SiteDocument } from '../../../../site/index.ts';

interface ImportAnswer {
  ok: boolean;
  message: string;
  revision?: number;
}

export function SiteFilesPanel(props: {
  siteId: string;
  isLive: boolean;
  readOnly: boolean;
  /** Saves pending edits first; false when they could not be saved (nothing is imported then). */
  onBeforeImport: () => Promise<boolean>;
  onImported: (document: SiteDocument, revision: number, savedAt: string) => void;
}) {
  const fileId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const base = `/sites/${props.siteId}`;

  async function importFile() {
    const file = input.current?.files?.[0];
    if (!file) {
      setResult({ ok: false, message: '가져올 사이트 문서(.json) 파일을 먼저 골라 주세요.' });
      return;
    }
    if (!window.confirm(`‘${file.name}’의 내용으로 이 사이트의 문서를 바꿀까요? 게시된 사이트는 다시 게시할 때까지 그대로입니다.`)) return;
    setBusy(true);
    setResult(null);
    try {
      if (!(await props.onBeforeImport())) {
        setResult({ ok: false, message: '편집 중인 내용을 아직 저장하지 못해 가져오지 않았습니다. 위의 저장 상태 안내를 확인해 주세요.' });
        return;
      }
      const body = new FormData();
      body.set('file', file);
      const response = await fetch(`${base}/import`, { method: 'POST', body, headers: { accept: 'application/json' } });
      const answer = (await response.json().catch(() => ({ ok: false, message: `가져오지 못했습니다 (서버 응답 ${response.status}).` }))) as ImportAnswer;
      if (!answer.ok) {
        setResult({ ok: false, message: answer.message });
        return;
      }
      // The import route stores the document; read it back as the builder's loader gives it.
      const data = await fetch(`${base}?_data=${encodeURIComponent('routes/sites.$siteId._index')}`, { headers: { accept: 'application/json' } });
      if (!data.ok) {
        setResult({ ok: true, message: `${answer.message} 새 내용을 불러오지 못했습니다. 페이지를 새로 고쳐 주세요.` });
        return;
      }
      const loaded = (await data.json()) as { site: { document: SiteDocument; revision: number; updatedAt: string } };
      props.onImported(loaded.site.document, loaded.site.revision, loaded.site.updatedAt);
      if (input.current) input.current.value = '';
      setChosen(null);
      setResult({ ok: true, message: answer.message });
    } catch {
      setResult({ ok: false, message: '가져오지 못했습니다. 인터넷 연결을 확인한 뒤 다시 시도해 주세요.' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="settings-form files-panel">
      <h2 className="panel-title">내보내기·가져오기</h2>
      <p className="panel-note">사이트는 언제든 내 컴퓨터로 가져갈 수 있습니다. 다른 곳에 그대로 올려도 열리는 정적 파일과, WindWalker로 다시 불러올 수 있는 문서 파일입니다.</p>

      <section className="files-block" aria-labelledby={`${fileId}-export`}>
        <h3 className="panel-subtitle" id={`${fileId}-export`}>
          내려받기
        </h3>
        <a className="button button-secondary button-block" href={`${base}/export/document`} download>
          사이트 문서 내려받기 (.json)
        </a>
        {props.isLive ? (
          <a className="button button-secondary button-block" href={`${base}/export/site`} download>
            게시된 사이트 파일 내려받기 (.zip)
          </a>
        ) : (
          <p className="panel-note">게시된 사이트 파일(.zip)은 처음 게시한 뒤에 내려받을 수 있습니다.</p>
        )}
      </section>

      {props.readOnly ? null : (
        <section className="files-block" aria-labelledby={`${fileId}-import`}>
          <h3 className="panel-subtitle" id={`${fileId}-import`}>
            문서 가져오기
          </h3>
          <div className="field file-pick">
            <input
              id={fileId}
              ref={input}
              type="file"
              accept="application/json,.json"
              className="sr-only"
              onChange={(e) => {
                setResult(null);
                setChosen(e.target.files?.[0]?.name ?? null);
              }}
            />
            <label htmlFor={fileId} className="button button-secondary button-small">
              파일 고르기
            </label>
            <span className="file-chosen">{chosen ?? '사이트 문서 파일(.json, 2MB 이하)을 골라 주세요'}</span>
          </div>
          <button type="button" className="button button-block" disabled={busy} onClick={() => void importFile()}>
            {busy ? '가져오는 중…' : '가져오기'}
          </button>
          {result ? (
            <p className={result.ok ? 'files-result ok' : 'field-error'} role={result.ok ? 'status' : 'alert'}>
              {result.message}
            </p>
          ) : null}
        </section>
      )}

      <section className="files-block" aria-labelledby={`${fileId}-forms`}>
        <h3 className="panel-subtitle" id={`${fileId}-forms`}>
          받은 문의
        </h3>
        <p className="panel-note">문의하기 양식으로 방문자가 보낸 내용과 알림 설정은 따로 모아 둡니다.</p>
        <Link className="button button-secondary button-block" to={`${base}/submissions`}>
          받은 문의 보기
        </Link>
      </section>
    </div>
  );
}
