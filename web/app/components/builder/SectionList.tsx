// The page's sections in order: select one to edit it, move it with the ↑/↓ buttons, by
// dragging, or from the keyboard (Alt+↑/↓ on the section's name), add a new section after the
// selected one, or remove one. After a move the focus stays on what the owner was using, and a
// live region says where the section went.
import { useEffect, useRef, useState } from 'react';
import { sectionDescriptions, sectionLabels, sectionTypes, type Section, type SectionType } from '../../../../site/index.ts';

export function sectionTitle(section: Section): string {
  return 'heading' in section && section.heading ? section.heading : sectionLabels[section.type];
}

export function SectionList(props: {
  sections: Section[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onMoveBy: (id: string, delta: -1 | 1) => void;
  onMoveTo: (id: string, index: number) => void;
  onAdd: (type: SectionType) => void;
  onRemove: (id: string) => void;
  readOnly: boolean;
}) {
  const [dragging, setDragging] = useState<string | null>(null);
  const [dropIndex, setDropIndex] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const refocus = useRef<{ id: string; control: 'select' | 'up' | 'down' } | null>(null);
  const { sections } = props;

  useEffect(() => {
    const wanted = refocus.current;
    if (!wanted) return;
    refocus.current = null;
    const item = list.current?.querySelector<HTMLElement>(`[data-section-id="${CSS.escape(wanted.id)}"]`);
    const control = item?.querySelector<HTMLButtonElement>(`[data-control="${wanted.control}"]`);
    (control && !control.disabled ? control : item?.querySelector<HTMLButtonElement>('[data-control="select"]'))?.focus();
  });

  const move = (section: Section, from: number, delta: -1 | 1, control: 'select' | 'up' | 'down') => {
    const to = from + delta;
    if (to < 0 || to >= sections.length) return;
    refocus.current = { id: section.id, control };
    props.onMoveBy(section.id, delta);
    setAnnouncement(`‘${sectionTitle(section)}’ 섹션을 ${to + 1}번째로 옮겼습니다 (모두 ${sections.length}개).`);
  };

  return (
    <div className="section-list">
      <h2 className="panel-title">섹션</h2>
      {props.readOnly ? null : <p className="panel-hint">끌어서 옮기거나, 섹션 이름에서 Alt+↑/↓ 키로 옮길 수 있습니다.</p>}
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      <ol
        ref={list}
        className="section-items"
        onDragOver={(e) => {
          if (!dragging) return;
          e.preventDefault();
        }}
        onDrop={(e) => {
          e.preventDefault();
          if (dragging && dropIndex !== null) {
            const from = sections.findIndex((s) => s.id === dragging);
            const to = dropIndex > from ? dropIndex - 1 : dropIndex;
            const moved = sections[from];
            if (moved && to !== from) {
              props.onMoveTo(dragging, to);
              setAnnouncement(`‘${sectionTitle(moved)}’ 섹션을 ${to + 1}번째로 옮겼습니다 (모두 ${sections.length}개).`);
            }
          }
          setDragging(null);
          setDropIndex(null);
        }}
      >
        {sections.map((section, index) => {
          const selected = section.id === props.selectedId;
          return (
            <li
              key={section.id}
              data-section-id={section.id}
              className={[
                'section-item',
                selected ? 'is-selected' : '',
                dragging === section.id ? 'is-dragging' : '',
                dropIndex === index && dragging ? 'drop-before' : '',
                dropIndex === index + 1 && dragging && index === sections.length - 1 ? 'drop-after' : '',
              ].join(' ')}
              draggable={!props.readOnly}
              onDragStart={(e) => {
                setDragging(section.id);
                e.dataTransfer.effectAllowed = 'move';
                e.dataTransfer.setData('text/plain', section.id);
              }}
              onDragEnd={() => {
                setDragging(null);
                setDropIndex(null);
              }}
              onDragOver={(e) => {
                if (!dragging) return;
                e.preventDefault();
                const box = e.currentTarget.getBoundingClientRect();
                setDropIndex(e.clientY < box.top + box.height / 2 ? index : index + 1);
              }}
            >
              <span className="drag-handle" aria-hidden="true" title="끌어서 순서 바꾸기">
                ⋮⋮
              </span>
              <button
                type="button"
                className="section-select"
                data-control="select"
                aria-pressed={selected}
                aria-keyshortcuts={props.readOnly ? undefined : 'Alt+ArrowUp Alt+ArrowDown'}
                onClick={() => props.onSelect(section.id)}
                onKeyDown={(e) => {
                  if (props.readOnly || !e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
                  e.preventDefault();
                  move(section, index, e.key === 'ArrowUp' ? -1 : 1, 'select');
                }}
              >
                <span className="section-kind">{sectionLabels[section.type]}</span>
                <span className="section-heading">{sectionTitle(section)}</span>
              </button>
              {props.readOnly ? null : (
                <span className="section-tools">
                  <button type="button" className="icon-button" data-control="up" aria-label={`${sectionTitle(section)} 위로 이동`} disabled={index === 0} onClick={() => move(section, index, -1, 'up')}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    data-control="down"
                    aria-label={`${sectionTitle(section)} 아래로 이동`}
                    disabled={index === sections.length - 1}
                    onClick={() => move(section, index, 1, 'down')}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="icon-button danger"
                    aria-label={`${sectionTitle(section)} 삭제`}
                    onClick={() => {
                      if (window.confirm(`‘${sectionTitle(section)}’ 섹션을 삭제할까요? 버전 기록에서 되돌릴 수 있습니다.`)) props.onRemove(section.id);
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
      {sections.length === 0 ? <p className="panel-note">이 페이지에는 아직 섹션이 없습니다. 아래에서 추가해 보세요.</p> : null}
      {props.readOnly ? null : adding ? (
        <div className="section-add-menu" role="group" aria-label="추가할 섹션 고르기">
          {sectionTypes.map((type) => (
            <button
              key={type}
              type="button"
              className="section-add-option"
              onClick={() => {
                props.onAdd(type);
                setAdding(false);
              }}
            >
              <strong>{sectionLabels[type]}</strong>
              <span>{sectionDescriptions[type]}</span>
            </button>
          ))}
          <button type="button" className="link-button" onClick={() => setAdding(false)}>
            닫기
          </button>
        </div>
      ) : (
        <button type="button" className="button button-secondary section-add" onClick={() => setAdding(true)}>
          + 섹션 추가
        </button>
      )}
    </div>
  );
}
