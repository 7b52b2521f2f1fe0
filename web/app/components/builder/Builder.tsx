// THE BUILDER: the page's sections on the left, the selected section's form in the middle,
// the live preview on the right. Every edit changes the document in this component's state;
// autosave sends it to the server a second later, and the preview re-renders at once with the
// same renderer the build uses.
import { Link, useNavigation, useRevalidator, useSubmit } from '@remix-run/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  createSection,
  listMissingBusinessDetails,
  renderPagePreview,
  validateSiteDocument,
  type Section,
  type SiteDocument,
} from '../../../../site/index.ts';
import {
  errorsUnder,
  findPage,
  insertPage,
  insertSection,
  movePageBy,
  moveSectionBy,
  moveSectionTo,
  removePage,
  removeSection,
  updatePage,
  updateSection,
  updateSectionText,
} from './document-edit.ts';
import { PagesPanel, type PageLimit } from './PagesPanel.tsx';
import { PreviewFrame, type PreviewDevice } from './PreviewFrame.tsx';
import { SectionForm } from './SectionForm.tsx';
import { SectionList, sectionTitle } from './SectionList.tsx';
import { SiteFilesPanel } from './SiteFilesPanel.tsx';
import { BusinessSettings, ThemeSettings } from './SiteSettings.tsx';
import { formatSeoulTime, useAutosave, type SaveState } from './use-autosave.ts';
import { VersionHistory, type VersionItem } from './VersionHistory.tsx';

export interface BuilderSite {
  id: string;
  name: string;
  slug: string;
  revision: number;
  updatedAt: string;
  document: SiteDocument;
  siteUrl: string;
  isLive: boolean;
}

type Panel = 'sections' | 'page' | 'design' | 'business' | 'history' | 'files';

const PANELS: { id: Panel; label: string }[] = [
  { id: 'sections', label: '섹션' },
  { id: 'page', label: '페이지' },
  { id: 'design', label: '디자인' },
  { id: 'business', label: '사업자 정보' },
  { id: 'history', label: '버전 기록' },
  { id: 'files', label: '내보내기' },
];

const DEVICES: { id: PreviewDevice; label: string; icon: () => JSX.Element }[] = [
  { id: 'phone', label: '휴대폰', icon: PhoneIcon },
  { id: 'tablet', label: '태블릿', icon: TabletIcon },
  { id: 'desktop', label: '데스크톱', icon: DesktopIcon },
];

export function Builder(props: {
  site: BuilderSite;
  versions: VersionItem[];
  readOnly: boolean;
  hostingProvider: string;
  publishError: string | null;
  pageLimit: PageLimit;
}) {
  const { site } = props;
  const [doc, setDoc] = useState<SiteDocument>(site.document);
  const [pageId, setPageId] = useState(site.document.pages[0]?.id ?? '');
  const [selectedId, setSelectedId] = useState<string | null>(site.document.pages[0]?.sections[0]?.id ?? null);
  const [panel, setPanel] = useState<Panel>('sections');
  const [device, setDevice] = useState<PreviewDevice>('desktop');
  const [publishProblem, setPublishProblem] = useState<string | null>(null);
  const panelBox = useRef<HTMLElement>(null);
  useEffect(() => {
    panelBox.current?.scrollTo({ top: 0 });
  }, [panel, pageId]);
  const submit = useSubmit();
  const navigation = useNavigation();
  const revalidator = useRevalidator();

  const autosave = useAutosave({
    saveUrl: `/sites/${site.id}/document`,
    document: doc,
    revision: site.revision,
    savedAt: site.updatedAt,
    enabled: !props.readOnly,
  });

  const page = findPage(doc, pageId) ?? doc.pages[0];
  const pageIndex = doc.pages.indexOf(page);
  const selected = page.sections.find((s) => s.id === selectedId) ?? null;
  const selectedIndex = selected ? page.sections.indexOf(selected) : -1;
  const assetUrl = useCallback((assetId: string) => `/sites/${site.id}/assets/${assetId}`, [site.id]);

  // Undo / redo: snapshots of the document, one per burst of typing (typing within 800 ms
  // merges) and one per step such as a move, an addition or a removal (never merged).
  const current = useRef(doc);
  current.current = doc;
  const past = useRef<SiteDocument[]>([]);
  const future = useRef<SiteDocument[]>([]);
  const lastEditAt = useRef(0);
  const [, setHistoryTick] = useState(0);

  const edit = useCallback((change: (current: SiteDocument) => SiteDocument, kind: 'typing' | 'step' = 'typing') => {
    if (props.readOnly) return;
    const before = current.current;
    const next = change(before);
    if (next === before) return;
    const now = Date.now();
    if (kind === 'step' || now - lastEditAt.current > 800) {
      past.current.push(before);
      if (past.current.length > 100) past.current.shift();
    }
    lastEditAt.current = kind === 'step' ? 0 : now;
    future.current = [];
    current.current = next;
    setPublishProblem(null);
    setDoc(next);
    setHistoryTick((t) => t + 1);
  }, [props.readOnly]);

  const stepHistory = useCallback((direction: 'undo' | 'redo') => {
    const from = direction === 'undo' ? past.current : future.current;
    const to = direction === 'undo' ? future.current : past.current;
    const target = from.pop();
    if (!target) return;
    to.push(current.current);
    current.current = target;
    lastEditAt.current = 0;
    setDoc(target);
    setHistoryTick((t) => t + 1);
  }, []);

  useEffect(() => {
    if (props.readOnly) return;
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'z') {
        event.preventDefault();
        stepHistory(event.shiftKey ? 'redo' : 'undo');
      } else if (key === 'y') {
        event.preventDefault();
        stepHistory('redo');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props.readOnly, stepHistory]);

  const allErrors = autosave.state.kind === 'invalid' ? autosave.state.errors : [];
  const docErrors = useMemo(() => errorsUnder(allErrors, ''), [allErrors]);
  const sectionErrors = useMemo(
    () => (selectedIndex >= 0 ? errorsUnder(allErrors, `pages.${pageIndex}.sections.${selectedIndex}`) : new Map<string, string>()),
    [allErrors, pageIndex, selectedIndex],
  );

  const previewHtml = useMemo(() => {
    const checked = validateSiteDocument(doc);
    // While a field is invalid (say, an emptied title) the preview keeps showing the document as
    // typed: the renderer escapes everything, and the form shows what to fix.
    const renderable = checked.ok ? checked.document : doc;
    try {
      return renderPagePreview(renderable, page.slug, { siteUrl: site.siteUrl, assetUrl, hostingProvider: props.hostingProvider });
    } catch (error) {
      return `<!doctype html><meta charset="utf-8"><p style="font:16px sans-serif;padding:24px">미리보기를 그리지 못했습니다: ${String((error as Error).message).replace(/[<&]/g, '')}</p>`;
    }
  }, [doc, page.slug, site.siteUrl, assetUrl, props.hostingProvider]);

  const onNavigate = useCallback(
    (slug: string) => {
      const target = doc.pages.find((p) => p.slug === slug);
      if (target) {
        setPageId(target.id);
        setSelectedId(target.sections[0]?.id ?? null);
      }
    },
    [doc.pages],
  );

  async function publish() {
    const missingAlt = imagesWithoutAlt(doc);
    if (missingAlt.length > 0) {
      setPublishProblem(`사진 설명(대체 텍스트)이 비어 있는 사진이 ${missingAlt.length}장 있습니다: ${missingAlt.slice(0, 3).join(', ')}. 설명을 입력한 뒤 게시해 주세요.`);
      return;
    }
    if (!(await autosave.flush())) {
      setPublishProblem('편집 내용을 아직 저장하지 못해 게시하지 않았습니다. 위의 저장 상태 안내를 확인해 주세요.');
      return;
    }
    submit({ intent: 'publish' }, { method: 'post' });
  }

  function selectPage(id: string) {
    const target = findPage(current.current, id);
    if (!target) return;
    setPageId(target.id);
    setSelectedId(target.sections[0]?.id ?? null);
  }

  const missingBusiness = useMemo(() => listMissingBusinessDetails(doc).length, [doc]);
  const publishing = navigation.state !== 'idle' && navigation.formData?.get('intent') === 'publish';

  return (
    <div className="builder">
      <header className="builder-bar">
        <div className="builder-bar-left">
          <Link to="/sites" className="back-link" aria-label="사이트 목록으로">
            ← 사이트
          </Link>
          <div className="builder-site">
            <strong>{doc.name || site.name}</strong>
            <a href={site.siteUrl} target="_blank" rel="noreferrer" className="builder-address">
              {site.siteUrl.replace(/^https?:\/\//, '')}
              {site.isLive ? <span className="status-dot live" title="게시됨" /> : <span className="status-dot draft" title="아직 게시 전" />}
            </a>
          </div>
        </div>
        <SaveStatus state={autosave.state} readOnly={props.readOnly} />
        <div className="builder-bar-right">
          {props.readOnly ? null : (
            <div className="undo-redo" role="group" aria-label="편집 되돌리기">
              <button type="button" className="icon-button" onClick={() => stepHistory('undo')} disabled={past.current.length === 0} aria-label="실행 취소 (Ctrl+Z)" title="실행 취소 (Ctrl+Z)">
                ↶
              </button>
              <button type="button" className="icon-button" onClick={() => stepHistory('redo')} disabled={future.current.length === 0} aria-label="다시 실행 (Ctrl+Shift+Z)" title="다시 실행 (Ctrl+Shift+Z)">
                ↷
              </button>
            </div>
          )}
          <div className="device-toggle" role="group" aria-label="미리보기 화면 크기">
            {DEVICES.map(({ id, label, icon: Icon }) => (
              <button key={id} type="button" aria-pressed={device === id} onClick={() => setDevice(id)} title={`${label} 화면으로 미리보기`}>
                <Icon /> <span className="device-label">{label}</span>
              </button>
            ))}
          </div>
          <Link to={`/sites/${site.id}/deployments`} className="button button-secondary">
            게시 기록
          </Link>
          <Link to={`/sites/${site.id}/domains`} className="button button-secondary">
            도메인
          </Link>
          {props.readOnly ? null : (
            <Link to={`/sites/${site.id}/code`} className="button button-secondary" title="개발자 모드: VS Code로 이 사이트의 HTML·CSS를 직접 고칩니다">
              코드 편집기 열기
            </Link>
          )}
          {props.readOnly ? null : (
            <button type="button" className="button" onClick={() => void publish()} disabled={publishing}>
              {publishing ? '게시 요청 중…' : '게시하기'}
            </button>
          )}
        </div>
      </header>
      <SaveProblem
        state={autosave.state}
        onOverwrite={autosave.overwrite}
        onLoadLatest={(latest, revision) => {
          autosave.adopt(latest, revision, new Date().toISOString());
          past.current = [];
          future.current = [];
          current.current = latest;
          setDoc(latest);
        }}
      />
      {publishProblem || props.publishError ? (
        <div className="builder-banner" role="alert">
          {publishProblem ?? props.publishError}
        </div>
      ) : null}
      {props.readOnly ? (
        <div className="builder-banner info">보기 전용입니다. 편집하려면 워크스페이스 소유자에게 편집자 권한을 요청해 주세요.</div>
      ) : null}

      <div className="builder-body">
        <nav className="builder-rail" aria-label="편집 메뉴">
          {PANELS.map((p) => (
            <button
              key={p.id}
              type="button"
              aria-pressed={panel === p.id}
              onClick={() => {
                setPanel(p.id);
                // Autosaves add versions without reloading the page; fetch the list when it is opened.
                if (p.id === 'history') revalidator.revalidate();
              }}
              aria-label={p.id === 'business' && missingBusiness > 0 ? `${p.label} (${missingBusiness}개 항목이 비어 있음)` : undefined}
            >
              {p.label}
              {p.id === 'business' && missingBusiness > 0 ? (
                <span className="rail-badge" title={`법적 표시 항목 ${missingBusiness}개가 비어 있습니다`} aria-hidden="true">
                  {missingBusiness}
                </span>
              ) : null}
            </button>
          ))}
        </nav>

        <aside className="builder-panel" ref={panelBox}>
          {doc.pages.length > 1 ? (
            <div className="page-tabs" role="tablist" aria-label="페이지">
              {doc.pages.map((p) => (
                <button
                  key={p.id}
                  type="button"
                  role="tab"
                  aria-selected={p.id === page.id}
                  onClick={() => {
                    setPageId(p.id);
                    setSelectedId(p.sections[0]?.id ?? null);
                  }}
                >
                  {p.navLabel || p.title}
                </button>
              ))}
            </div>
          ) : null}

          {panel === 'sections' ? (
            <div className="sections-panel">
              <SectionList
                sections={page.sections}
                selectedId={selected?.id ?? null}
                readOnly={props.readOnly}
                onSelect={setSelectedId}
                onMoveBy={(id, delta) => edit((d) => moveSectionBy(d, page.id, id, delta), 'step')}
                onMoveTo={(id, index) => edit((d) => moveSectionTo(d, page.id, id, index), 'step')}
                onAdd={(type) => {
                  const section = createSection(type);
                  edit((d) => insertSection(d, page.id, section, selected?.id ?? null), 'step');
                  setSelectedId(section.id);
                }}
                onRemove={(id) => {
                  edit((d) => removeSection(d, page.id, id), 'step');
                  if (id === selectedId) setSelectedId(null);
                }}
              />
              {selected ? (
                <fieldset className="section-editor" disabled={props.readOnly}>
                  <SectionForm
                    key={selected.id}
                    section={selected}
                    errors={sectionErrors}
                    uploadUrl={`/sites/${site.id}/upload`}
                    assetUrl={assetUrl}
                    onChange={(next: Section) => edit((d) => updateSection(d, page.id, selected.id, next))}
                  />
                </fieldset>
              ) : (
                <p className="panel-note">왼쪽 목록에서 섹션을 고르면 여기에서 글과 사진을 바꿀 수 있습니다.</p>
              )}
            </div>
          ) : null}
          {panel === 'design' ? (
            <fieldset disabled={props.readOnly} className="plain-fieldset">
              <ThemeSettings document={doc} errors={docErrors} onChange={(next) => edit(() => next)} />
            </fieldset>
          ) : null}
          {panel === 'business' ? (
            <fieldset disabled={props.readOnly} className="plain-fieldset">
              <BusinessSettings document={doc} errors={docErrors} onChange={(next) => edit(() => next)} />
            </fieldset>
          ) : null}
          {panel === 'page' ? (
            <PagesPanel
              document={doc}
              selectedPageId={page.id}
              errors={docErrors}
              pageLimit={props.pageLimit}
              readOnly={props.readOnly}
              onSelect={(id) => selectPage(id)}
              onMove={(id, delta) => edit((d) => movePageBy(d, id, delta), 'step')}
              onRemove={(id) => {
                edit((d) => removePage(d, id), 'step');
                if (id === page.id) selectPage(doc.pages.find((p) => p.slug === '')?.id ?? doc.pages[0].id);
              }}
              onAdd={(newPage) => {
                edit((d) => insertPage(d, newPage, null), 'step');
                setPageId(newPage.id);
                setSelectedId(newPage.sections[0]?.id ?? null);
              }}
              onChangePage={(next) => edit((d) => updatePage(d, next.id, next))}
            />
          ) : null}
          {panel === 'files' ? (
            <SiteFilesPanel
              siteId={site.id}
              isLive={site.isLive}
              readOnly={props.readOnly}
              onBeforeImport={autosave.flush}
              onImported={(imported, revision, savedAt) => {
                autosave.adopt(imported, revision, savedAt);
                past.current = [];
                future.current = [];
                current.current = imported;
                setDoc(imported);
                const first = imported.pages[0];
                setPageId(first.id);
                setSelectedId(first.sections[0]?.id ?? null);
              }}
            />
          ) : null}
          {panel === 'history' ? (
            <VersionHistory
              versions={props.versions}
              readOnly={props.readOnly}
              onBeforeRestore={autosave.flush}
              onRestored={(answer) => {
                autosave.adopt(answer.document, answer.revision, answer.savedAt);
                past.current = [];
                future.current = [];
                current.current = answer.document;
                setDoc(answer.document);
                const first = answer.document.pages.find((p) => p.id === pageId) ?? answer.document.pages[0];
                setPageId(first.id);
                setSelectedId(first.sections[0]?.id ?? null);
              }}
            />
          ) : null}
        </aside>

        <section className="builder-preview" aria-label="미리보기">
          <PreviewFrame
            html={previewHtml}
            device={device}
            title={`${page.title} 미리보기`}
            onNavigate={onNavigate}
            focusId={panel === 'sections' ? selected?.id ?? null : null}
            editable={!props.readOnly}
            onInlineSelect={(sectionId) => {
              setPanel('sections');
              setSelectedId(sectionId);
            }}
            onInlineEdit={({ sectionId, path, text }) => edit((d) => updateSectionText(d, page.id, sectionId, path, text))}
            onHistory={stepHistory}
          />
        </section>
      </div>
    </div>
  );
}

/** The short state shown in the top bar; the full message sits in SaveProblem below the bar. */
function SaveStatus(props: { state: SaveState; readOnly: boolean }) {
  const { state } = props;
  if (props.readOnly) return <div className="save-status" />;
  let body: React.ReactNode;
  switch (state.kind) {
    case 'saved':
      body = <span className="save-ok">저장됨 · {formatSeoulTime(state.at)}</span>;
      break;
    case 'pending':
      body = <span className="save-muted">변경됨…</span>;
      break;
    case 'saving':
      body = <span className="save-muted">저장 중…</span>;
      break;
    case 'invalid':
      body = <span className="save-bad">저장 안 됨 · 입력값 확인</span>;
      break;
    case 'error':
      body = <span className="save-bad">저장 안 됨 · 다시 시도 중</span>;
      break;
    case 'conflict':
      body = <span className="save-bad">저장 안 됨 · 다른 곳에서 먼저 저장함</span>;
      break;
  }
  return (
    <div className="save-status" role="status" aria-live="polite">
      {body}
    </div>
  );
}

/** Why the last save did not happen, and (after a conflict) the owner's two choices. */
function SaveProblem(props: {
  state: SaveState;
  onOverwrite: () => void;
  onLoadLatest: (doc: SiteDocument, revision: number) => void;
}) {
  const { state } = props;
  if (state.kind !== 'invalid' && state.kind !== 'error' && state.kind !== 'conflict') return null;
  return (
    <div className="builder-banner" role="alert">
      <span>{state.message}</span>
      {state.kind === 'invalid' && state.upgradeUrl ? (
        <span className="banner-actions">
          <a className="button button-small" href={state.upgradeUrl}>
            요금제 바꾸기
          </a>
        </span>
      ) : null}
      {state.kind === 'conflict' ? (
        <span className="banner-actions">
          <button type="button" className="button button-small" onClick={props.onOverwrite}>
            내 내용으로 저장
          </button>
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => {
              if (window.confirm('최신 내용을 불러오면 이 창에서 바꾼 내용은 사라집니다. 계속할까요?')) props.onLoadLatest(state.currentDocument, state.currentRevision);
            }}
          >
            최신 내용 불러오기
          </button>
        </span>
      ) : null}
    </div>
  );
}

/** Where an image without alt text sits, in words the owner recognises. */
export function imagesWithoutAlt(doc: SiteDocument): string[] {
  const places: string[] = [];
  const check = (image: { alt: string } | undefined, where: string) => {
    if (image && image.alt.trim() === '') places.push(where);
  };
  check(doc.logo, '로고');
  for (const page of doc.pages) {
    for (const section of page.sections) {
      const where = `${page.navLabel || page.title} › ${sectionTitle(section)}`;
      if ('image' in section) check(section.image, where);
      if (section.type === 'gallery') section.items.forEach((item, i) => check(item.image, `${where} ${i + 1}번째 사진`));
    }
  }
  return places;
}

function PhoneIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <rect x="6" y="2" width="12" height="20" rx="2" />
      <path d="M11 18h2" />
    </svg>
  );
}

function TabletIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <rect x="4" y="2" width="16" height="20" rx="2" />
      <path d="M11 18h2" />
    </svg>
  );
}

function DesktopIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <rect x="2" y="4" width="20" height="13" rx="2" />
      <path d="M8 21h8M12 17v4" />
    </svg>
  );
}
