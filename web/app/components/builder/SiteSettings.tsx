// Site-wide settings: name, theme colours and font, and the business details the legal footer
// shows. (Pages and their titles are in PagesPanel.)
import { fonts, listMissingBusinessDetails, type SiteDocument } from '../../../../site/index.ts';
import { ColorField, TextField } from './fields.tsx';

type Errors = Map<string, string>;

export function ThemeSettings(props: { document: SiteDocument; onChange: (doc: SiteDocument) => void; errors: Errors }) {
  const { document: doc, onChange, errors } = props;
  const theme = doc.theme;
  const set = (patch: Partial<SiteDocument['theme']>) => onChange({ ...doc, theme: { ...theme, ...patch } });
  return (
    <div className="settings-form">
      <h2 className="panel-title">디자인</h2>
      <TextField label="사이트 이름" value={doc.name} maxLength={60} error={errors.get('name')} onChange={(name) => onChange({ ...doc, name })} />
      <div className="color-grid">
        <ColorField label="대표 색상" value={theme.primary} error={errors.get('theme.primary')} onChange={(primary) => set({ primary })} />
        <ColorField label="강조 색상" value={theme.accent} error={errors.get('theme.accent')} onChange={(accent) => set({ accent })} />
        <ColorField label="배경 색상" value={theme.background} error={errors.get('theme.background')} onChange={(background) => set({ background })} />
        <ColorField label="글자 색상" value={theme.text} error={errors.get('theme.text')} onChange={(text) => set({ text })} />
      </div>
      <p className="panel-note">글자가 배경과 잘 구분되지 않으면 게시되는 사이트에서 자동으로 대비를 높입니다.</p>
      <fieldset className="font-picker">
        <legend>글꼴</legend>
        {fonts.map((font) => (
          <label key={font.id} className={`font-option${theme.font === font.id ? ' is-selected' : ''}`}>
            <input type="radio" name="font" value={font.id} checked={theme.font === font.id} onChange={() => set({ font: font.id })} />
            <span style={{ fontFamily: font.stack }}>{font.label}</span>
          </label>
        ))}
        <p className="panel-note">
          글꼴은 방문자 기기에 있는 한글 글꼴로 보여 줍니다. 글꼴 파일을 내려받지 않으니 사이트가 빨리 열립니다. 명조는 윈도우·맥·아이폰의 명조체로, 둥근 고딕은
          나눔스퀘어라운드가 없는 기기에서 기본 고딕으로 보입니다.
        </p>
      </fieldset>
    </div>
  );
}

export function BusinessSettings(props: { document: SiteDocument; onChange: (doc: SiteDocument) => void; errors: Errors }) {
  const { document: doc, onChange, errors } = props;
  const b = doc.business;
  const set = (patch: Partial<SiteDocument['business']>) => onChange({ ...doc, business: { ...b, ...patch } });
  const field = (key: keyof SiteDocument['business'] & string, label: string, extra: { placeholder?: string; hint?: string; type?: 'tel' | 'email' | 'url' } = {}) => (
    <TextField label={label} value={String(b[key] ?? '')} error={errors.get(`business.${key}`)} onChange={(value) => set({ [key]: value } as Partial<SiteDocument['business']>)} {...extra} />
  );
  return (
    <div className="settings-form">
      <h2 className="panel-title">사업자 정보</h2>
      <p className="panel-note">전자상거래법에 따라 사이트 맨 아래에 표시됩니다. 한 번만 입력하면 모든 페이지에 들어갑니다.</p>
      {(() => {
        const missing = listMissingBusinessDetails(doc);
        return missing.length > 0 ? (
          <div className="missing-details" role="note">
            <strong>사이트 아래쪽 사업자 정보에 표시할 항목이 {missing.length}개 비어 있습니다</strong>
            <ul>
              {missing.map((m) => (
                <li key={m.path}>{m.message.replace(/^[\w.]+: /, '').split('. ')[0]}.</li>
              ))}
            </ul>
          </div>
        ) : null;
      })()}
      {field('name', '상호')}
      {field('representative', '대표자')}
      {field('address', '사업장 주소')}
      <div className="field-row">
        {field('phone', '전화번호', { type: 'tel', placeholder: '02-123-4567' })}
        {field('email', '이메일', { type: 'email', placeholder: 'hello@example.com' })}
      </div>
      <div className="field-row">
        {field('registrationNumber', '사업자등록번호', { placeholder: '000-00-00000' })}
        {field('mailOrderNumber', '통신판매업 신고번호', { hint: '온라인으로 판매할 때만' })}
      </div>
      <div className="field-row">
        {field('privacyOfficer', '개인정보 보호책임자')}
        {field('privacyOfficerContact', '보호책임자 연락처')}
      </div>
      {field('kakaoChannelUrl', '카카오톡 채널 주소', { type: 'url', placeholder: 'https://pf.kakao.com/…' })}
    </div>
  );
}
