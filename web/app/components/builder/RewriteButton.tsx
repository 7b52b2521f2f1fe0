// "AI로 글 고쳐 쓰기" under a section's form: the owner says how (더 친근하게, 더 짧게…), the
// server asks the model, and the rewritten section replaces this one through onChange (so undo
// and autosave work as for any edit). When AI is not configured the server's message is shown.
import { useId, useState } from 'react';
import type { Section } from '../../../../site/index.ts';

export function RewriteButton(props: { endpoint: string; section: Section; onChange: (next: Section) => void }) {
  const [open, setOpen] = useState(false);
  const [instruction, setInstruction] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const inputId = useId();

  async function rewrite() {
    setBusy(true);
    setMessage(null);
    try {
      const response = await fetch(props.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ section: props.section, instruction }),
      });
      const answer = (await response.json().catch(() => null)) as { ok: boolean; section?: Section; message?: string } | null;
      if (answer?.ok && answer.section) {
        props.onChange(answer.section);
        setMessage({ kind: 'ok', text: 'AI가 고쳐 쓴 글로 바꿨습니다. 마음에 들지 않으면 되돌리기(Ctrl+Z)를 누르세요.' });
      } else {
        setMessage({ kind: 'error', text: answer?.message ?? `고쳐 쓰지 못했습니다 (응답 ${response.status}). 잠시 후 다시 시도해 주세요.` });
      }
    } catch {
      setMessage({ kind: 'error', text: '서버에 연결하지 못했습니다. 인터넷 연결을 확인하고 다시 시도해 주세요.' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="ai-rewrite">
      {open ? (
        <div className="field">
          <label htmlFor={inputId}>AI에게 어떻게 고쳐 쓸지 알려 주세요</label>
          <input id={inputId} value={instruction} maxLength={500} placeholder="예: 더 친근하게, 두 문장으로 짧게" onChange={(e) => setInstruction(e.target.value)} />
          <div className="button-row">
            <button type="button" className="button button-small" disabled={busy || instruction.trim() === ''} onClick={() => void rewrite()}>
              {busy ? 'AI가 쓰는 중…' : '고쳐 쓰기'}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={() => setOpen(false)}>
              닫기
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="button button-secondary button-small" onClick={() => setOpen(true)}>
          AI로 글 고쳐 쓰기
        </button>
      )}
      {message ? (
        <p className={message.kind === 'error' ? 'field-error' : 'field-ok'} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
