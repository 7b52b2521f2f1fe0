// Autosave for the builder: edits are sent about a second after the owner stops typing, one
// request at a time, each based on the revision the previous save returned. A failed save
// never touches the editor's document: the owner's changes stay on screen and are retried.
import { useCallback, useEffect, useRef, useState } from 'react';
import { validateSiteDocument, type SiteDocument } from '../../../../site/index.ts';
export { formatSeoulDateTime, formatSeoulTime } from '../seoul-time.ts';

export type SaveState =
  | { kind: 'saved'; at: string }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'invalid'; message: string; errors: { path: string; message: string }[]; upgradeUrl?: string }
  | { kind: 'conflict'; message: string; currentRevision: number; currentDocument: SiteDocument }
  | { kind: 'error'; message: string };

type SaveAnswer =
  | { ok: true; revision: number; savedAt: string }
  | { ok: false; kind: 'invalid'; message: string; errors: { path: string; message: string }[]; upgradeUrl?: string }
  | { ok: false; kind: 'conflict'; message: string; currentRevision: number; currentDocument: SiteDocument }
  | { ok: false; kind: 'error'; message: string };

export const AUTOSAVE_DELAY_MS = 1000;
const RETRY_DELAY_MS = 5000;

export function useAutosave(options: {
  saveUrl: string;
  document: SiteDocument;
  revision: number;
  savedAt: string;
  enabled: boolean;
}) {
  const [state, setState] = useState<SaveState>({ kind: 'saved', at: options.savedAt });
  const latest = useRef(options.document);
  const saved = useRef(options.document);
  const revision = useRef(options.revision);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inFlight = useRef<Promise<boolean> | null>(null);
  const blocked = useRef(false); // a conflict waits for the owner's choice
  latest.current = options.document;

  const send = useCallback(async (): Promise<boolean> => {
    if (inFlight.current) {
      await inFlight.current;
    }
    const document = latest.current;
    if (document === saved.current) return true;
    if (blocked.current) return false;
    const checked = validateSiteDocument(document);
    if (!checked.ok) {
      const first = checked.errors[0];
      setState({ kind: 'invalid', message: `저장하지 않았습니다: ${first?.message.replace(/^[\w.]+: /, '') ?? '입력값을 확인해 주세요.'}`, errors: checked.errors });
      return false;
    }
    setState({ kind: 'saving' });
    const request = (async (): Promise<boolean> => {
      let answer: SaveAnswer;
      try {
        const response = await fetch(options.saveUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ document, baseRevision: revision.current }),
        });
        answer = (await response.json().catch(() => ({
          ok: false,
          kind: 'error',
          message: `저장하지 못했습니다 (서버 응답 ${response.status}). 편집 내용은 그대로 있으며 잠시 후 다시 저장합니다.`,
        }))) as SaveAnswer;
      } catch {
        answer = { ok: false, kind: 'error', message: '저장하지 못했습니다. 인터넷 연결을 확인해 주세요. 편집 내용은 그대로 있으며 잠시 후 다시 저장합니다.' };
      }
      if (answer.ok) {
        revision.current = answer.revision;
        saved.current = document;
        if (latest.current === document) setState({ kind: 'saved', at: answer.savedAt });
        else schedule(AUTOSAVE_DELAY_MS);
        return true;
      }
      if (answer.kind === 'conflict') {
        blocked.current = true;
        setState(answer);
      } else if (answer.kind === 'invalid') {
        setState(answer);
      } else {
        setState({ kind: 'error', message: answer.message });
        schedule(RETRY_DELAY_MS);
      }
      return false;
    })();
    inFlight.current = request;
    try {
      return await request;
    } finally {
      if (inFlight.current === request) inFlight.current = null;
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options.saveUrl]);

  const schedule = useCallback(
    (delay: number) => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        timer.current = null;
        void send();
      }, delay);
    },
    [send],
  );

  useEffect(() => {
    if (!options.enabled || options.document === saved.current || blocked.current) return;
    setState((current) => (current.kind === 'invalid' || current.kind === 'error' ? current : { kind: 'pending' }));
    schedule(AUTOSAVE_DELAY_MS);
  }, [options.document, options.enabled, schedule]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (latest.current !== saved.current) {
        event.preventDefault();
        event.returnValue = '';
      }
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  /** Saves now (before publishing); true when the stored document is the one on screen. */
  const flush = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const ok = await send();
    return ok && latest.current === saved.current;
  }, [send]);

  /** After a conflict: keep the owner's edits and store them over the newer revision. */
  const overwrite = useCallback(() => {
    setState((current) => {
      if (current.kind === 'conflict') revision.current = current.currentRevision;
      return { kind: 'pending' };
    });
    blocked.current = false;
    schedule(0);
  }, [schedule]);

  /** Adopts a document the server already holds (after a restore or "load the newer one"). */
  const adopt = useCallback((document: SiteDocument, newRevision: number, at: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    blocked.current = false;
    saved.current = document;
    latest.current = document;
    revision.current = newRevision;
    setState({ kind: 'saved', at });
  }, []);

  return { state, flush, overwrite, adopt, isDirty: () => latest.current !== saved.current };
}
