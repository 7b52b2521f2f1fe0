// Form fields of the builder. Each is labelled, shows its own Korean error, and reports the
// new value up; nothing here knows about the document's structure.
import { useId, useRef, useState, type ReactNode } from 'react';
import type { SiteImage } from '../../../../site/index.ts';

export function FieldError({ message, id }: { message?: string; id?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: string;
  multiline?: boolean;
  rows?: number;
  maxLength?: number;
  placeholder?: string;
  type?: 'text' | 'tel' | 'email' | 'url' | 'time' | 'date';
  disabled?: boolean;
}) {
  const id = useId();
  const describedBy = props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined;
  const common = {
    id,
    value: props.value,
    maxLength: props.maxLength,
    placeholder: props.placeholder,
    disabled: props.disabled,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy,
  } as const;
  return (
    <div className={`field${props.error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={props.rows ?? 4} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input {...common} type={props.type ?? 'text'} onChange={(e) => props.onChange(e.target.value)} />
      )}
      {props.hint && !props.error ? (
        <p className="field-hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <FieldError message={props.error} id={`${id}-error`} />
    </div>
  );
}

export function NumberField(props: {
  label: string;
  value: number | null;
  onChange: (value: number | null) => void;
  error?: string;
  suffix?: string;
  min?: number;
  max?: number;
  allowEmpty?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field${props.error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <div className="input-with-suffix">
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={props.min}
          max={props.max}
          value={props.value ?? ''}
          aria-invalid={props.error ? true : undefined}
          onChange={(e) => {
            const raw = e.target.value;
            if (raw === '') props.onChange(props.allowEmpty ? null : 0);
            else if (Number.isFinite(Number(raw))) props.onChange(Math.round(Number(raw)));
          }}
        />
        {props.suffix ? <span className="suffix">{props.suffix}</span> : null}
      </div>
      <FieldError message={props.error} />
    </div>
  );
}

export function ColorField(props: { label: string; value: string; onChange: (value: string) => void; error?: string }) {
  const id = useId();
  return (
    <div className={`field field-color${props.error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <div className="color-row">
        <input id={id} type="color" value={props.value} onChange={(e) => props.onChange(e.target.value)} />
        <input
          type="text"
          aria-label={`${props.label} 코드`}
          value={props.value}
          maxLength={7}
          onChange={(e) => props.onChange(e.target.value)}
          className="color-code"
        />
      </div>
      <FieldError message={props.error} />
    </div>
  );
}

export function CheckboxField(props: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div className="field field-checkbox">
      <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />
      <label htmlFor={id}>{props.label}</label>
    </div>
  );
}

/** Sends one image file to the site's asset route; reports the stored asset or a Korean error. */
export function useImageUpload(uploadUrl: string, onUploaded: (asset: { id: string; width: number | null; height: number | null }) => void) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  async function upload(file: File) {
    setUploading(true);
    setUploadError(null);
    const body = new FormData();
    body.set('file', file);
    try {
      const response = await fetch(uploadUrl, { method: 'POST', body, headers: { accept: 'application/json' } });
      const answer = (await response.json().catch(() => null)) as
        | { ok: true; asset: { id: string; width: number | null; height: number | null } }
        | { ok: false; message: string }
        | null;
      if (answer?.ok) onUploaded(answer.asset);
      else setUploadError(answer?.message ?? `사진을 올리지 못했습니다 (서버 응답 ${response.status}). 잠시 후 다시 시도해 주세요.`);
    } catch {
      setUploadError('사진을 올리지 못했습니다. 인터넷 연결을 확인한 뒤 다시 시도해 주세요.');
    } finally {
      setUploading(false);
      if (fileInput.current) fileInput.current.value = '';
    }
  }
  return { upload, uploading, uploadError, fileInput };
}

/** A button that uploads an image and hands back the stored asset (e.g. "사진 추가" in a gallery). */
export function UploadButton(props: { uploadUrl: string; label: string; onUploaded: (asset: { id: string }) => void; disabled?: boolean }) {
  const id = useId();
  const { upload, uploading, uploadError, fileInput } = useImageUpload(props.uploadUrl, props.onUploaded);
  return (
    <div className="upload-button">
      <input
        ref={fileInput}
        id={id}
        type="file"
        accept="image/jpeg,image/png,image/webp,image/gif,image/avif"
        className="sr-only"
        disabled={props.disabled || uploading}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void upload(file);
        }}
      />
      <label htmlFor={id} className={`button button-secondary button-small${uploading ? ' is-busy' : ''}`}>
        {uploading ? '올리는 중…' : props.label}
      </label>
      <FieldError message={uploadError ?? undefined} />
    </div>
  );
}

/** An image: upload a file (stored as an asset) and describe it; alt text is asked for every time. */
export function ImageField(props: {
  label: string;
  value: SiteImage | undefined;
  onChange: (value: SiteImage | undefined) => void;
  uploadUrl: string;
  assetUrl: (assetId: string) => string;
  error?: string;
  optional?: boolean;
  disabled?: boolean;
}) {
  const id = useId();
  const { upload, uploading, uploadError, fileInput } = useImageUpload(props.uploadUrl, (asset) =>
    props.onChange({ assetId: asset.id, alt: props.value?.alt ?? '' }),
  );
  const image = props.value;
  const src = image ? ('assetId' in image ? props.assetUrl(image.assetId) : image.url) : null;
  const missingAlt = image !== undefined && image.alt.trim() === '';

  return (
    <fieldset className={`field image-field${props.error || uploadError ? ' has-error' : ''}`}>
      <legend>{props.label}</legend>
      <div className="image-field-body">
        <div className="image-thumb">{src ? <img src={src} alt="" /> : <span>사진 없음</span>}</div>
        <div className="image-actions">
          <input
            ref={fileInput}
            id={id}
            type="file"
            accept="image/jpeg,image/png,image/webp,image/gif,image/avif"
            className="sr-only"
            disabled={props.disabled || uploading}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void upload(file);
            }}
          />
          <label htmlFor={id} className={`button button-secondary button-small${uploading ? ' is-busy' : ''}`} aria-disabled={uploading}>
            {uploading ? '올리는 중…' : src ? '사진 바꾸기' : '사진 올리기'}
          </label>
          {image && props.optional !== false ? (
            <button type="button" className="link-button danger" onClick={() => props.onChange(undefined)} disabled={props.disabled}>
              사진 빼기
            </button>
          ) : null}
          <p className="field-hint">JPG·PNG·WebP, 5MB 이하. 큰 사진은 자동으로 줄입니다.</p>
        </div>
      </div>
      {image ? (
        <TextField
          label="사진 설명 (대체 텍스트, 필수)"
          value={image.alt}
          maxLength={200}
          placeholder="예: 창가 자리에서 본 매장 내부"
          hint="눈이 불편한 방문자와 검색엔진이 읽는 설명입니다."
          error={missingAlt ? '사진 설명을 입력해 주세요. 사진에 무엇이 보이는지 한 문장으로 적으면 됩니다.' : undefined}
          onChange={(alt) => props.onChange({ ...image, alt })}
          disabled={props.disabled}
        />
      ) : null}
      <FieldError message={uploadError ?? props.error} />
    </fieldset>
  );
}

/** A list of items with add, remove and move buttons. */
export function ListEditor<T>(props: {
  label: string;
  items: T[];
  onChange: (items: T[]) => void;
  newItem: () => T;
  itemLabel: (item: T, index: number) => string;
  renderItem: (item: T, update: (next: T) => void, index: number) => ReactNode;
  max?: number;
  min?: number;
  addLabel: string;
  /** Replaces the add button (e.g. an upload button that adds the item once the file is stored). */
  addControl?: ReactNode;
  error?: string;
}) {
  const { items } = props;
  const replace = (index: number, next: T) => props.onChange(items.map((item, i) => (i === index ? next : item)));
  const move = (index: number, delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= items.length) return;
    const copy = [...items];
    [copy[index], copy[target]] = [copy[target], copy[index]];
    props.onChange(copy);
  };
  return (
    <fieldset className="list-editor">
      <legend>{props.label}</legend>
      {items.map((item, index) => (
        <details className="list-item" key={index} open={items.length <= 3}>
          <summary>
            <span className="list-item-title">{props.itemLabel(item, index) || `${index + 1}번째 항목`}</span>
            <span className="list-item-tools">
              <button type="button" className="icon-button" aria-label={`${index + 1}번째 항목 위로`} disabled={index === 0} onClick={(e) => { e.preventDefault(); move(index, -1); }}>
                ↑
              </button>
              <button type="button" className="icon-button" aria-label={`${index + 1}번째 항목 아래로`} disabled={index === items.length - 1} onClick={(e) => { e.preventDefault(); move(index, 1); }}>
                ↓
              </button>
              <button
                type="button"
                className="icon-button danger"
                aria-label={`${index + 1}번째 항목 삭제`}
                disabled={items.length <= (props.min ?? 0)}
                onClick={(e) => {
                  e.preventDefault();
                  props.onChange(items.filter((_, i) => i !== index));
                }}
              >
                ×
              </button>
            </span>
          </summary>
          <div className="list-item-body">{props.renderItem(item, (next) => replace(index, next), index)}</div>
        </details>
      ))}
      {props.addControl ?? (
        <button
          type="button"
          className="button button-secondary button-small"
          disabled={props.max !== undefined && items.length >= props.max}
          onClick={() => props.onChange([...items, props.newItem()])}
        >
          + {props.addLabel}
        </button>
      )}
      <FieldError message={props.error} />
    </fieldset>
  );
}
