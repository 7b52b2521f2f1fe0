// The site's pages: the list in menu order (the published navigation follows it), the selected
// page's title, menu name, address and description, adding a page (title + address, checked in
// Korean before it is added) and removing one (never the home page). The plan's page limit is
// shown before the owner runs into it; saving enforces it again on the server.
import { useEffect, useId, useState } from 'react';
import { checkNewPage, checkPageSlug, type SiteDocument, type SitePage } from '../../../../site/index.ts';
import { FieldError, TextField } from './fields.tsx';

type Errors = Map<string, string>;

export interface PageLimit {
  max: number;
  /** The plan's own words when the limit is reached (from billing), with the plan's name. */
  message: string;
}

export function PagesPanel(props: {
  document: SiteDocument;
  selectedPageId: string;
  errors: Errors;
  pageLimit: PageLimit;
  readOnly: boolean;
  onSelect: (pageId: string) => void;
  onMove: (pageId: string, delta: -1 | 1) => void;
  onRemove: (pageId: string) => void;
  onAdd: (page: SitePage) => void;
  onChangePage: (page: SitePage) => void;
}) {
  const { document: doc, errors } = props;
  const page = doc.pages.find((p) => p.id === props.selectedPageId) ?? doc.pages[0];
  const pageIndex = doc.pages.indexOf(page);
  const atLimit = doc.pages.length >= props.pageLimit.max;

  return (
    <div className="settings-form pages-panel">
      <h2 className="panel-title">페이지</h2>
      <p className="panel-note">사이트 위쪽 메뉴에 이 순서대로 보입니다. 페이지를 고르면 아래에서 제목과 주소를 바꿀 수 있습니다.</p>
      <ol className="page-items" aria-label="페이지 목록">
        {doc.pages.map((p, index) => {
          const name = p.navLabel || p.title;
          const selected = p.id === page.id;
          return (
            <li key={p.id} className={`page-item${selected ? ' is-selected' : ''}`}>
              <button type="button" className="page-select" aria-pressed={selected} onClick={() => props.onSelect(p.id)}>
                <span className="page-name">
                  {name}
                  {p.slug === '' && name !== '홈' ? <span className="page-home">홈</span> : null}
                </span>
                <span className="page-path">/{p.slug ? `${p.slug}/` : ''}</span>
              </button>
              {props.readOnly ? null : (
                <span className="section-tools">
                  <button type="button" className="icon-button" aria-label={`${name} 페이지 메뉴에서 앞으로`} disabled={index === 0} onClick={() => props.onMove(p.id, -1)}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`${name} 페이지 메뉴에서 뒤로`}
                    disabled={index === doc.pages.length - 1}
                    onClick={() => props.onMove(p.id, 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="icon-button danger"
                    aria-label={p.slug === '' ? '홈 페이지는 삭제할 수 없습니다' : `${name} 페이지 삭제`}
                    title={p.slug === '' ? '홈 페이지는 삭제할 수 없습니다' : undefined}
                    disabled={p.slug === ''}
                    onClick={() => {
                      const count = p.sections.length;
                      if (window.confirm(`‘${name}’ 페이지를 삭제할까요? 이 페이지의 섹션 ${count}개도 함께 사라집니다. 버전 기록에서 되돌릴 수 있습니다.`)) props.onRemove(p.id);
                    }}
                  >
                    ×
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ol>

      {props.readOnly ? null : atLimit ? (
        <div className="missing-details page-limit" role="note">
          <strong>페이지를 더 추가할 수 없습니다</strong>
          <p>
            {props.pageLimit.message}{' '}
            <a href="/billing">요금제 보기</a>
          </p>
        </div>
      ) : (
        <AddPageForm document={doc} remaining={props.pageLimit.max - doc.pages.length} onAdd={props.onAdd} />
      )}

      <div className="page-settings">
        <h3 className="panel-subtitle">‘{page.navLabel || page.title}’ 페이지 설정</h3>
        <fieldset className="plain-fieldset" disabled={props.readOnly}>
          <TextField
            label="페이지 제목"
            value={page.title}
            maxLength={60}
            error={errors.get(`pages.${pageIndex}.title`)}
            hint="브라우저 탭과 검색 결과에 보이는 제목"
            onChange={(title) => props.onChangePage({ ...page, title })}
          />
          <TextField
            label="메뉴 이름"
            value={page.navLabel}
            maxLength={20}
            error={errors.get(`pages.${pageIndex}.navLabel`)}
            hint="비워 두면 페이지 제목을 씁니다"
            onChange={(navLabel) => props.onChangePage({ ...page, navLabel })}
          />
          {page.slug === '' ? (
            <p className="panel-note">홈 페이지의 주소는 사이트 주소 그대로(/)입니다.</p>
          ) : (
            <SlugField key={page.id} document={doc} page={page} onCommit={(slug) => props.onChangePage({ ...page, slug })} />
          )}
          <TextField
            label="페이지 설명"
            multiline
            rows={3}
            value={page.description}
            maxLength={160}
            error={errors.get(`pages.${pageIndex}.description`)}
            hint="검색 결과와 카카오톡 공유 미리보기에 보이는 설명 (160자 이내)"
            onChange={(description) => props.onChangePage({ ...page, description })}
          />
        </fieldset>
      </div>
    </div>
  );
}

/** The page address: kept as typed until it is valid, so a half-typed address never breaks saving. */
function SlugField(props: { document: SiteDocument; page: SitePage; onCommit: (slug: string) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(props.page.slug);
  useEffect(() => setDraft(props.page.slug), [props.page.slug]);
  const problem = draft === props.page.slug ? null : checkPageSlug(props.document, draft, props.page.id);
  return (
    <div className={`field${problem ? ' has-error' : ''}`}>
      <label htmlFor={id}>페이지 주소</label>
      <div className="slug-input">
        <span aria-hidden="true">/</span>
        <input
          id={id}
          value={draft}
          maxLength={40}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-error` : `${id}-hint`}
          onChange={(e) => {
            const next = e.target.value;
            setDraft(next);
            if (next !== props.page.slug && checkPageSlug(props.document, next, props.page.id) === null) props.onCommit(next.trim());
          }}
        />
        <span aria-hidden="true">/</span>
      </div>
      {problem ? (
        <FieldError message={`${problem} 저장된 주소는 /${props.page.slug}/ 그대로입니다.`} id={`${id}-error`} />
      ) : (
        <p className="field-hint" id={`${id}-hint`}>
          영문 소문자, 숫자, - 만 쓸 수 있습니다. 바꾸면 예전 주소로 들어온 방문자는 ‘페이지를 찾을 수 없음’을 봅니다.
        </p>
      )}
    </div>
  );
}

function AddPageForm(props: { document: SiteDocument; remaining: number; onAdd: (page: SitePage) => void }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [slug, setSlug] = useState('');
  const [errors, setErrors] = useState<{ title?: string; slug?: string }>({});
  if (!open) {
    return (
      <button type="button" className="button button-secondary section-add" onClick={() => setOpen(true)}>
        + 페이지 추가
      </button>
    );
  }
  const submit = () => {
    const checked = checkNewPage(props.document, { title, slug });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    props.onAdd(checked.page);
    setTitle('');
    setSlug('');
    setErrors({});
    setOpen(false);
  };
  return (
    <form
      className="add-page-form"
      aria-label="새 페이지"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h3 className="panel-subtitle">새 페이지</h3>
      <TextField label="새 페이지 제목" value={title} maxLength={60} error={errors.title} placeholder="예: 메뉴, 오시는 길" onChange={setTitle} />
      <TextField
        label="새 페이지 주소"
        value={slug}
        maxLength={40}
        error={errors.slug}
        placeholder="예: menu"
        hint="영문 소문자, 숫자, - 로 입력합니다. 사이트 주소 뒤에 /menu/ 처럼 붙습니다."
        onChange={setSlug}
      />
      <p className="panel-note">이 요금제에서 {props.remaining}개 더 만들 수 있습니다.</p>
      <div className="form-actions">
        <button type="submit" className="button">
          페이지 추가
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            setOpen(false);
            setErrors({});
          }}
        >
          취소
        </button>
      </div>
    </form>
  );
}
