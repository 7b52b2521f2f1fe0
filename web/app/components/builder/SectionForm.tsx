// The form for one section: its text fields, lists and images, per section type.
import { sectionLabels, weekdayLabels, type Section, type SectionOf, type SiteImage } from '../../../../site/index.ts';
import { CheckboxField, ImageField, ListEditor, NumberField, TextField, UploadButton } from './fields.tsx';
import { seoulDateInputValue } from '../seoul-time.ts';
import { RewriteButton } from './RewriteButton.tsx';

export interface SectionFormProps {
  section: Section;
  onChange: (next: Section) => void;
  /** Errors for this section keyed by the path inside it ('heading', 'items.0.title'). */
  errors: Map<string, string>;
  uploadUrl: string;
  assetUrl: (assetId: string) => string;
}

type Props<T extends Section['type']> = Omit<SectionFormProps, 'section' | 'onChange'> & {
  section: SectionOf<T>;
  onChange: (next: SectionOf<T>) => void;
};

export function SectionForm(props: SectionFormProps) {
  const { section } = props;
  const common = { errors: props.errors, uploadUrl: props.uploadUrl, assetUrl: props.assetUrl };
  const { onChange } = props;
  let body: React.ReactNode;
  switch (section.type) {
    case 'hero': body = <HeroForm {...common} section={section} onChange={onChange} />; break;
    case 'about': body = <AboutForm {...common} section={section} onChange={onChange} />; break;
    case 'menu': body = <MenuForm {...common} section={section} onChange={onChange} />; break;
    case 'services': body = <ServicesForm {...common} section={section} onChange={onChange} />; break;
    case 'gallery': body = <GalleryForm {...common} section={section} onChange={onChange} />; break;
    case 'hours': body = <HoursForm {...common} section={section} onChange={onChange} />; break;
    case 'location': body = <LocationForm {...common} section={section} onChange={onChange} />; break;
    case 'reviews': body = <ReviewsForm {...common} section={section} onChange={onChange} />; break;
    case 'contact': body = <ContactForm {...common} section={section} onChange={onChange} />; break;
    case 'cta': body = <CtaForm {...common} section={section} onChange={onChange} />; break;
    case 'faq': body = <FaqForm {...common} section={section} onChange={onChange} />; break;
  }
  return (
    <div className="section-form">
      <h2 className="panel-title">{sectionLabels[section.type]}</h2>
      {body}
      <RewriteButton endpoint={props.uploadUrl.replace(/\/upload$/, '/ai-rewrite')} section={section} onChange={onChange} />
    </div>
  );
}

function Heading<T extends Section['type']>({ section, onChange, errors }: Props<T>) {
  return (
    <TextField label="제목" value={section.heading} maxLength={80} error={errors.get('heading')} onChange={(heading) => onChange({ ...section, heading })} />
  );
}

function Image<T extends Section['type']>(props: Props<T> & { field: 'image'; label: string }) {
  const section = props.section as SectionOf<T> & { image?: SiteImage };
  return (
    <ImageField
      label={props.label}
      value={section.image}
      uploadUrl={props.uploadUrl}
      assetUrl={props.assetUrl}
      error={props.errors.get('image') ?? props.errors.get('image.alt')}
      onChange={(image) => {
        const next = { ...section } as SectionOf<T> & { image?: SiteImage };
        if (image) next.image = image;
        else delete next.image;
        props.onChange(next);
      }}
    />
  );
}

function HeroForm(props: Props<'hero'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="부제목" multiline rows={2} value={section.subheading} maxLength={200} error={errors.get('subheading')} onChange={(subheading) => onChange({ ...section, subheading })} />
      <Image {...props} field="image" label="배경 사진" />
      <CheckboxField
        label="버튼 보이기"
        checked={section.button !== undefined}
        onChange={(on) => {
          const { button: _button, ...rest } = section;
          onChange(on ? { ...rest, button: { label: '문의하기', href: '#contact' } } : rest);
        }}
      />
      {section.button ? (
        <div className="field-row">
          <TextField label="버튼 글자" value={section.button.label} maxLength={30} error={errors.get('button.label')} onChange={(label) => onChange({ ...section, button: { ...section.button!, label } })} />
          <TextField
            label="버튼 링크"
            value={section.button.href}
            maxLength={500}
            hint="https://…, tel:010…, 또는 #contact"
            error={errors.get('button.href')}
            onChange={(href) => onChange({ ...section, button: { ...section.button!, href } })}
          />
        </div>
      ) : null}
    </>
  );
}

function AboutForm(props: Props<'about'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="본문" multiline rows={7} value={section.body} maxLength={2000} error={errors.get('body')} onChange={(body) => onChange({ ...section, body })} />
      <Image {...props} field="image" label="사진" />
    </>
  );
}

function MenuForm(props: Props<'menu'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="소개 글" multiline rows={2} value={section.intro} maxLength={300} error={errors.get('intro')} onChange={(intro) => onChange({ ...section, intro })} />
      <ListEditor
        label="메뉴 분류"
        addLabel="분류 추가"
        items={section.categories}
        min={1}
        max={12}
        error={errors.get('categories')}
        itemLabel={(category) => category.name}
        newItem={() => ({ name: '새 분류', items: [{ name: '새 메뉴', description: '', price: 0, badge: '' }] })}
        onChange={(categories) => onChange({ ...section, categories })}
        renderItem={(category, update, ci) => (
          <>
            <TextField label="분류 이름" value={category.name} maxLength={40} error={errors.get(`categories.${ci}.name`)} onChange={(name) => update({ ...category, name })} />
            <ListEditor
              label="메뉴"
              addLabel="메뉴 추가"
              items={category.items}
              min={1}
              max={60}
              itemLabel={(item) => (item.name ? `${item.name} · ${item.price.toLocaleString('ko-KR')}원` : '')}
              newItem={() => ({ name: '새 메뉴', description: '', price: 0, badge: '' })}
              onChange={(items) => update({ ...category, items })}
              renderItem={(item, updateItem, ii) => {
                const at = `categories.${ci}.items.${ii}`;
                return (
                  <>
                    <div className="field-row">
                      <TextField label="메뉴 이름" value={item.name} maxLength={60} error={errors.get(`${at}.name`)} onChange={(name) => updateItem({ ...item, name })} />
                      <NumberField label="가격" suffix="원" min={0} value={item.price} error={errors.get(`${at}.price`)} onChange={(price) => updateItem({ ...item, price: price ?? 0 })} />
                    </div>
                    <TextField label="설명" value={item.description} maxLength={200} error={errors.get(`${at}.description`)} onChange={(description) => updateItem({ ...item, description })} />
                    <TextField label="표시 문구" placeholder="예: 인기, NEW" value={item.badge} maxLength={12} error={errors.get(`${at}.badge`)} onChange={(badge) => updateItem({ ...item, badge })} />
                  </>
                );
              }}
            />
          </>
        )}
      />
      <TextField label="안내 문구" value={section.note} maxLength={200} error={errors.get('note')} onChange={(note) => onChange({ ...section, note })} />
    </>
  );
}

function ServicesForm(props: Props<'services'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="소개 글" multiline rows={2} value={section.intro} maxLength={300} error={errors.get('intro')} onChange={(intro) => onChange({ ...section, intro })} />
      <ListEditor
        label="서비스 항목"
        addLabel="서비스 추가"
        items={section.items}
        min={1}
        max={24}
        itemLabel={(item) => item.title}
        newItem={() => ({ title: '새 서비스', description: '', price: null, priceNote: '' })}
        onChange={(items) => onChange({ ...section, items })}
        renderItem={(item, update, i) => (
          <>
            <TextField label="서비스 이름" value={item.title} maxLength={60} error={errors.get(`items.${i}.title`)} onChange={(title) => update({ ...item, title })} />
            <TextField label="설명" multiline rows={3} value={item.description} maxLength={400} error={errors.get(`items.${i}.description`)} onChange={(description) => update({ ...item, description })} />
            <div className="field-row">
              <NumberField label="가격 (비우면 표시 안 함)" suffix="원" min={0} allowEmpty value={item.price ?? null} error={errors.get(`items.${i}.price`)} onChange={(price) => update({ ...item, price })} />
              <TextField label="가격 안내" placeholder="예: 부터, 상담 후 결정" value={item.priceNote} maxLength={30} onChange={(priceNote) => update({ ...item, priceNote })} />
            </div>
          </>
        )}
      />
    </>
  );
}

function GalleryForm(props: Props<'gallery'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="소개 글" multiline rows={2} value={section.intro} maxLength={300} error={errors.get('intro')} onChange={(intro) => onChange({ ...section, intro })} />
      <ListEditor
        label="사진"
        addLabel="사진 칸 추가"
        items={section.items}
        max={36}
        itemLabel={(item, i) => item.caption || item.image.alt || `사진 ${i + 1}`}
        newItem={() => {
          throw new Error('Gallery items are added by uploading a photo');
        }}
        addControl={
          section.items.length < 36 ? (
            <UploadButton
              uploadUrl={props.uploadUrl}
              label="+ 사진 추가"
              onUploaded={(asset) => onChange({ ...section, items: [...section.items, { image: { assetId: asset.id, alt: '' }, caption: '' }] })}
            />
          ) : null
        }
        onChange={(items) => onChange({ ...section, items })}
        renderItem={(item, update, i) => (
          <>
            <ImageField
              label="사진"
              optional={false}
              value={item.image}
              uploadUrl={props.uploadUrl}
              assetUrl={props.assetUrl}
              error={errors.get(`items.${i}.image`) ?? errors.get(`items.${i}.image.alt`)}
              onChange={(image) => image && update({ ...item, image })}
            />
            <TextField label="사진 아래 글" value={item.caption} maxLength={120} onChange={(caption) => update({ ...item, caption })} />
          </>
        )}
      />
    </>
  );
}

function HoursForm(props: Props<'hours'>) {
  const { section, onChange, errors } = props;
  const setDay = (index: number, patch: Partial<SectionOf<'hours'>['weekly'][number]>) =>
    onChange({ ...section, weekly: section.weekly.map((day, i) => (i === index ? { ...day, ...patch } : day)) });
  return (
    <>
      <Heading {...props} />
      <table className="hours-table">
        <thead>
          <tr>
            <th scope="col">요일</th>
            <th scope="col">휴무</th>
            <th scope="col">여는 시간</th>
            <th scope="col">닫는 시간</th>
            <th scope="col">쉬는 시간</th>
          </tr>
        </thead>
        <tbody>
          {section.weekly.map((day, i) => (
            <tr key={day.day} className={day.closed ? 'is-closed' : undefined}>
              <th scope="row">{weekdayLabels[day.day]}</th>
              <td>
                <input type="checkbox" aria-label={`${weekdayLabels[day.day]} 휴무`} checked={day.closed} onChange={(e) => setDay(i, { closed: e.target.checked })} />
              </td>
              <td>
                <input type="time" aria-label={`${weekdayLabels[day.day]} 여는 시간`} value={day.open} disabled={day.closed} onChange={(e) => setDay(i, { open: e.target.value })} />
              </td>
              <td>
                <input type="time" aria-label={`${weekdayLabels[day.day]} 닫는 시간`} value={day.close} disabled={day.closed} onChange={(e) => setDay(i, { close: e.target.value })} />
              </td>
              <td className="break-cell">
                <input type="time" aria-label={`${weekdayLabels[day.day]} 쉬는 시간 시작`} value={day.breakStart} disabled={day.closed} onChange={(e) => setDay(i, { breakStart: e.target.value })} />
                <span aria-hidden="true">~</span>
                <input type="time" aria-label={`${weekdayLabels[day.day]} 쉬는 시간 끝`} value={day.breakEnd} disabled={day.closed} onChange={(e) => setDay(i, { breakEnd: e.target.value })} />
                {errors.get(`weekly.${i}.breakEnd`) ? <p className="field-error">{errors.get(`weekly.${i}.breakEnd`)}</p> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListEditor
        label="휴무일"
        addLabel="휴무일 추가"
        items={section.holidays}
        max={40}
        itemLabel={(holiday) => [holiday.date, holiday.label].filter(Boolean).join(' · ')}
        newItem={() => ({ date: seoulDateInputValue(), label: '' })}
        onChange={(holidays) => onChange({ ...section, holidays })}
        renderItem={(holiday, update, i) => (
          <div className="field-row">
            <TextField label="날짜" type="date" value={holiday.date} error={errors.get(`holidays.${i}.date`)} onChange={(date) => update({ ...holiday, date })} />
            <TextField label="사유" placeholder="예: 설 연휴" value={holiday.label} maxLength={40} onChange={(label) => update({ ...holiday, label })} />
          </div>
        )}
      />
      <TextField label="휴무 안내" value={section.note} maxLength={200} onChange={(note) => onChange({ ...section, note })} />
    </>
  );
}

function LocationForm(props: Props<'location'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="주소" value={section.address} maxLength={200} hint="네이버 지도·카카오맵 바로가기가 이 주소로 만들어집니다." error={errors.get('address')} onChange={(address) => onChange({ ...section, address })} />
      <TextField label="상세 주소" value={section.addressDetail} maxLength={100} onChange={(addressDetail) => onChange({ ...section, addressDetail })} />
      <TextField label="찾아오는 길" multiline rows={3} value={section.directions} maxLength={600} onChange={(directions) => onChange({ ...section, directions })} />
      <TextField label="주차 안내" value={section.parking} maxLength={200} onChange={(parking) => onChange({ ...section, parking })} />
    </>
  );
}

function ReviewsForm(props: Props<'reviews'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <ListEditor
        label="후기"
        addLabel="후기 추가"
        items={section.items}
        min={1}
        max={24}
        itemLabel={(item) => item.author}
        newItem={() => ({ author: '손님', body: '후기 내용을 적어 주세요.', rating: 5, source: '' })}
        onChange={(items) => onChange({ ...section, items })}
        renderItem={(item, update, i) => (
          <>
            <div className="field-row">
              <TextField label="작성자" value={item.author} maxLength={30} error={errors.get(`items.${i}.author`)} onChange={(author) => update({ ...item, author })} />
              <NumberField label="별점 (1~5)" min={1} max={5} allowEmpty value={item.rating ?? null} error={errors.get(`items.${i}.rating`)} onChange={(rating) => update({ ...item, rating })} />
            </div>
            <TextField label="후기 내용" multiline rows={3} value={item.body} maxLength={500} error={errors.get(`items.${i}.body`)} onChange={(body) => update({ ...item, body })} />
            <TextField label="출처" placeholder="예: 네이버 플레이스" value={item.source} maxLength={40} onChange={(source) => update({ ...item, source })} />
          </>
        )}
      />
    </>
  );
}

function ContactForm(props: Props<'contact'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="소개 글" multiline rows={2} value={section.intro} maxLength={300} onChange={(intro) => onChange({ ...section, intro })} />
      <p className="panel-note">개인정보 보호법에 따라 양식 아래에 수집 목적, 항목, 보유 기간과 동의 체크박스가 자동으로 붙습니다.</p>
      <TextField label="수집 목적" value={section.purpose} maxLength={100} error={errors.get('purpose')} onChange={(purpose) => onChange({ ...section, purpose })} />
      <NumberField label="보유 기간" suffix="개월" min={1} max={36} value={section.retentionMonths} error={errors.get('retentionMonths')} onChange={(value) => onChange({ ...section, retentionMonths: value ?? 1 })} />
      <div className="field-row">
        <TextField label="보내기 버튼 글자" value={section.submitLabel} maxLength={20} error={errors.get('submitLabel')} onChange={(submitLabel) => onChange({ ...section, submitLabel })} />
        <TextField label="접수 완료 안내" value={section.successMessage} maxLength={200} error={errors.get('successMessage')} onChange={(successMessage) => onChange({ ...section, successMessage })} />
      </div>
    </>
  );
}

function CtaForm(props: Props<'cta'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <TextField label="본문" multiline rows={2} value={section.body} maxLength={300} onChange={(body) => onChange({ ...section, body })} />
      <div className="field-row">
        <TextField label="전화번호" type="tel" placeholder="02-123-4567" value={section.phone} maxLength={20} error={errors.get('phone')} onChange={(phone) => onChange({ ...section, phone })} />
        <TextField label="전화 버튼 글자" value={section.callLabel} maxLength={30} error={errors.get('callLabel')} onChange={(callLabel) => onChange({ ...section, callLabel })} />
      </div>
      <div className="field-row">
        <TextField label="카카오톡 채널 주소" type="url" placeholder="https://pf.kakao.com/…" value={section.kakaoChannelUrl} maxLength={500} error={errors.get('kakaoChannelUrl')} onChange={(kakaoChannelUrl) => onChange({ ...section, kakaoChannelUrl })} />
        <TextField label="카카오톡 버튼 글자" value={section.kakaoLabel} maxLength={30} error={errors.get('kakaoLabel')} onChange={(kakaoLabel) => onChange({ ...section, kakaoLabel })} />
      </div>
    </>
  );
}

function FaqForm(props: Props<'faq'>) {
  const { section, onChange, errors } = props;
  return (
    <>
      <Heading {...props} />
      <ListEditor
        label="질문"
        addLabel="질문 추가"
        items={section.items}
        min={1}
        max={30}
        itemLabel={(item) => item.question}
        newItem={() => ({ question: '새 질문', answer: '답변을 적어 주세요.' })}
        onChange={(items) => onChange({ ...section, items })}
        renderItem={(item, update, i) => (
          <>
            <TextField label="질문" value={item.question} maxLength={200} error={errors.get(`items.${i}.question`)} onChange={(question) => update({ ...item, question })} />
            <TextField label="답변" multiline rows={3} value={item.answer} maxLength={1500} error={errors.get(`items.${i}.answer`)} onChange={(answer) => update({ ...item, answer })} />
          </>
        )}
      />
    </>
  );
}
