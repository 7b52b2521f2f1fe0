// The page's sections in order: select one to edit it, move it with the ↑/↓ buttons (or drag
// it), add a new section after the selected one, or remove one.
import { useState } from 'react';
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
  const { sections } = props;

  return (
    <div className="section-list">
      <h2 className="panel-title">섹션</h2>
      <ol
        className="section-items"
        onDragOver={(e) => {
          if (!dragging) return;
          e.preventDefault();
        }}
        onDrop={(e) => {
          e.preventDefault();
          if (dragging && dropIndex !== null) {
            const from = sections.findIndex((s) => s.id === dragging);
            props.onMoveTo(dragging, dropIndex > from ? dropIndex - 1 : dropIndex);
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
              <button type="button" className="section-select" aria-pressed={selected} onClick={() => props.onSelect(section.id)}>
                <span className="section-kind">{sectionLabels[section.type]}</span>
                <span className="section-heading">{sectionTitle(section)}</span>
              </button>
              {props.readOnly ? null : (
                <span className="section-tools">
                  <button type="button" className="icon-button" aria-label={`${sectionTitle(section)} 위로 이동`} disabled={index === 0} onClick={() => props.onMoveBy(section.id, -1)}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`${sectionTitle(section)} 아래로 이동`}
                    disabled={index === sections.length - 1}
                    onClick={() => props.onMoveBy(section.id, 1)}
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
