// The site's saved versions, newest first, each restorable after a confirmation.
import { useFetcher } from '@remix-run/react';
import { useEffect } from 'react';
import type { SiteDocument } from '../../../../site/index.ts';
import { formatSeoulDateTime } from '../seoul-time.ts';

export interface VersionItem {
  id: string;
  number: number;
  reason: 'create' | 'autosave' | 'publish' | 'restore' | 'import';
  createdAt: string;
  createdByName: string | null;
}

export const VERSION_REASON_LABELS: Record<VersionItem['reason'], string> = {
  create: '처음 만듦',
  autosave: '자동 저장',
  publish: '게시',
  restore: '되돌림',
  import: '가져오기',
};

export type RestoreAnswer = { ok: true; document: SiteDocument; revision: number; savedAt: string; versionNumber: number } | { ok: false; message: string };

export function VersionHistory(props: {
  versions: VersionItem[];
  readOnly: boolean;
  onBeforeRestore: () => Promise<boolean>;
  onRestored: (answer: Extract<RestoreAnswer, { ok: true }>) => void;
}) {
  const fetcher = useFetcher<RestoreAnswer>();
  const { onRestored } = props;
  useEffect(() => {
    if (fetcher.state === 'idle' && fetcher.data?.ok) onRestored(fetcher.data);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fetcher.data, fetcher.state]);
  const busy = fetcher.state !== 'idle';
  return (
    <div className="version-history">
      <h2 className="panel-title">버전 기록</h2>
      <p className="panel-note">편집 내용은 자동으로 저장되고, 1분마다 버전이 하나씩 남습니다. 예전 버전으로 되돌려도 지금 내용은 새 버전으로 남습니다.</p>
      {fetcher.data && !fetcher.data.ok ? (
        <p className="field-error" role="alert">
          {fetcher.data.message}
        </p>
      ) : null}
      <ol className="version-list">
        {props.versions.map((version, index) => (
          <li key={version.id} className="version-item">
            <div>
              <strong>
                {version.number}번 · {VERSION_REASON_LABELS[version.reason]}
              </strong>
              <span className="version-meta">
                {formatSeoulDateTime(version.createdAt)}
                {version.createdByName ? ` · ${version.createdByName}` : ''}
              </span>
            </div>
            {props.readOnly || index === 0 ? (
              index === 0 ? <span className="badge">최근</span> : null
            ) : (
              <button
                type="button"
                className="button button-secondary button-small"
                disabled={busy}
                onClick={async () => {
                  if (!window.confirm(`${version.number}번 버전(${formatSeoulDateTime(version.createdAt)})으로 되돌릴까요? 지금 내용도 버전 기록에 남습니다.`)) return;
                  if (!(await props.onBeforeRestore())) return;
                  fetcher.submit({ intent: 'restore', versionId: version.id }, { method: 'post' });
                }}
              >
                되돌리기
              </button>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
