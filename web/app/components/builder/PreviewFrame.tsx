// The live preview: the page rendered by site/ (the same renderer the build uses) inside a
// sandboxed iframe without scripts, at phone (390px), tablet (768px) or desktop (1280px) width,
// scaled down to fit the panel; the scroll position survives re-renders.
//
// Inline editing: the preview marks owner text with data-edit="<path>". Clicking one makes it
// editable in place (plain text only); each keystroke goes up as an ordinary document edit (so
// autosave, undo and the form on the left see it), while the iframe keeps showing the document
// being typed into instead of reloading under the caret. Leaving the text (click elsewhere, Esc,
// Enter on a one-line text) renders the page again from the document.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

// Layout effects measure the DOM; on the server there is none, so use a plain effect there.
const useBrowserLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

export type PreviewDevice = 'phone' | 'tablet' | 'desktop';
export const DEVICE_WIDTHS: Record<PreviewDevice, number> = { phone: 390, tablet: 768, desktop: 1280 };
const DEVICE_HEIGHTS: Record<Exclude<PreviewDevice, 'desktop'>, number> = { phone: 844, tablet: 1024 };

/** Styles the editor adds inside the preview (never part of the published page). */
const EDITING_CSS = `
[data-edit]{cursor:text;border-radius:3px;transition:outline-color .15s}
[data-edit]:hover{outline:2px dashed rgba(59,91,219,.75);outline-offset:3px}
[data-edit][contenteditable]{outline:2px solid #3b5bdb;outline-offset:3px;background:rgba(59,91,219,.06)}
`;

export interface InlineEdit {
  sectionId: string;
  path: string;
  text: string;
}

/** The text of an edited element as the document stores it (paragraphs as blank lines). */
function editedText(element: HTMLElement, multiline: boolean): string {
  const raw = element.innerText.replace(/\u00a0/g, ' ');
  if (!multiline) return raw.replace(/\s*\n\s*/g, ' ').trim();
  return raw
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function PreviewFrame(props: {
  html: string;
  device: PreviewDevice;
  title: string;
  /** Called with the page's address when the owner clicks a link to another page of the site. */
  onNavigate?: (slug: string) => void;
  /** The selected section's id: the preview scrolls to it when the selection changes. */
  focusId?: string | null;
  /** Inline editing (off for viewers). */
  editable?: boolean;
  onInlineEdit?: (edit: InlineEdit) => void;
  onInlineSelect?: (sectionId: string) => void;
  onHistory?: (direction: 'undo' | 'redo') => void;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const scroll = useRef(0);
  const [stageWidth, setStageWidth] = useState(0);
  const [stageHeight, setStageHeight] = useState(0);
  const [editing, setEditing] = useState(false);
  const selectedFromPreview = useRef<string | null>(null);
  const width = DEVICE_WIDTHS[props.device];

  // While the owner types in the preview, keep the page they are typing into.
  const shown = useRef(props.html);
  if (!editing) shown.current = props.html;

  // The latest callbacks, for listeners installed once per loaded page.
  const callbacks = useRef(props);
  callbacks.current = props;

  useBrowserLayoutEffect(() => {
    const element = stage.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      setStageWidth(entry.contentRect.width);
      setStageHeight(entry.contentRect.height);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Remember where the owner was scrolled before the new HTML replaces the document.
  useBrowserLayoutEffect(() => {
    const win = frame.current?.contentWindow;
    if (win) scroll.current = win.scrollY;
  }, [shown.current]);

  useEffect(() => {
    const element = frame.current;
    if (!element) return;
    const onLoad = () => {
      const doc = element.contentDocument;
      if (!doc) return;
      element.contentWindow?.scrollTo(0, scroll.current);
      // A freshly loaded page has nothing being edited in it (a click that began editing in the
      // page being replaced must not leave the preview frozen).
      setEditing(false);
      if (callbacks.current.editable) {
        const style = doc.createElement('style');
        style.textContent = EDITING_CSS;
        doc.head.append(style);
      }
      let active: HTMLElement | null = null;
      // Set while the pointer is pressed on another editable text: the click that follows moves
      // the editing there, so the page is not reloaded under it in between.
      let switching = false;

      const finish = () => {
        if (!active) return;
        active.removeAttribute('contenteditable');
        active = null;
        if (!switching) setEditing(false);
        else window.setTimeout(() => !active && setEditing(false), 400);
      };

      doc.addEventListener('mousedown', (event) => {
        switching = Boolean(callbacks.current.editable && (event.target as Element | null)?.closest?.('[data-edit]'));
      });

      const begin = (target: HTMLElement, x: number, y: number) => {
        const section = target.closest('section[id]');
        const path = target.getAttribute('data-edit');
        if (!section || !path) return;
        const multiline = target.tagName === 'DIV' || target.tagName === 'BLOCKQUOTE';
        active = target;
        setEditing(true);
        selectedFromPreview.current = section.id;
        callbacks.current.onInlineSelect?.(section.id);
        target.setAttribute('contenteditable', 'plaintext-only');
        target.setAttribute('spellcheck', 'false');
        target.focus();
        const range = doc.caretRangeFromPoint?.(x, y);
        if (range && target.contains(range.startContainer)) {
          const selection = doc.getSelection();
          selection?.removeAllRanges();
          selection?.addRange(range);
        }
        const onInput = () => callbacks.current.onInlineEdit?.({ sectionId: section.id, path, text: editedText(target, multiline) });
        const onKey = (event: KeyboardEvent) => {
          const key = event.key.toLowerCase();
          if (event.key === 'Escape' || (event.key === 'Enter' && !multiline && !event.isComposing)) {
            event.preventDefault();
            target.blur();
          } else if ((event.ctrlKey || event.metaKey) && !event.altKey && (key === 'z' || key === 'y')) {
            // Undo and redo are the builder's (whole-document history), not the element's own.
            event.preventDefault();
            target.blur();
            callbacks.current.onHistory?.(key === 'y' || event.shiftKey ? 'redo' : 'undo');
          }
        };
        const onBlur = () => {
          target.removeEventListener('input', onInput);
          target.removeEventListener('keydown', onKey);
          target.removeEventListener('blur', onBlur);
          finish();
        };
        target.addEventListener('input', onInput);
        target.addEventListener('keydown', onKey);
        target.addEventListener('blur', onBlur);
      };

      doc.addEventListener('click', (event) => {
        const target = event.target as Element | null;
        const editableText = callbacks.current.editable ? (target?.closest?.('[data-edit]') as HTMLElement | null) : null;
        switching = false;
        if (editableText) {
          event.preventDefault();
          if (editableText !== active) begin(editableText, event.clientX, event.clientY);
          return;
        }
        const link = target?.closest?.('a');
        if (!link) return;
        event.preventDefault();
        const href = link.getAttribute('href') ?? '';
        const page = link.getAttribute('data-page');
        if (page !== null) callbacks.current.onNavigate?.(page);
        else if (href.startsWith('#')) doc.getElementById(href.slice(1))?.scrollIntoView({ behavior: 'smooth' });
      });
      // Undo and redo while the preview has the focus (after editing in place) are the builder's.
      doc.addEventListener('keydown', (event) => {
        const key = event.key.toLowerCase();
        if (active || !callbacks.current.editable || !(event.ctrlKey || event.metaKey) || event.altKey || (key !== 'z' && key !== 'y')) return;
        event.preventDefault();
        callbacks.current.onHistory?.(key === 'y' || event.shiftKey ? 'redo' : 'undo');
      });
      // The contact form in the preview posts nowhere.
      doc.addEventListener('submit', (event) => event.preventDefault());
    };
    element.addEventListener('load', onLoad);
    // The server-rendered iframe may have loaded its page before hydration got here.
    const loaded = element.contentDocument;
    if (loaded && loaded.readyState === 'complete' && loaded.URL === 'about:srcdoc') onLoad();
    return () => element.removeEventListener('load', onLoad);
  }, []);

  useEffect(() => {
    if (!props.focusId) return;
    // A section picked by clicking its text in the preview is already in view.
    if (selectedFromPreview.current === props.focusId) {
      selectedFromPreview.current = null;
      return;
    }
    const doc = frame.current?.contentDocument;
    const target = doc?.getElementById(props.focusId) ?? doc?.getElementById(`${props.focusId}-title`);
    if (!target) return;
    const top = target.getBoundingClientRect().top + (frame.current?.contentWindow?.scrollY ?? 0);
    frame.current?.contentWindow?.scrollTo({ top: Math.max(0, top - 24), behavior: 'smooth' });
    scroll.current = Math.max(0, top - 24);
  }, [props.focusId]);

  const available = Math.max(stageWidth - 32, 200);
  const scale = Math.min(1, available / width);
  // A phone or a tablet is shown at the real device's height (as far as the panel allows); the
  // desktop view fills the panel.
  const frameHeight =
    props.device === 'desktop'
      ? Math.max((stageHeight - 32) / scale, 600)
      : Math.max(Math.min(DEVICE_HEIGHTS[props.device], (stageHeight - 72) / scale), 480);

  return (
    <div className={`preview-stage device-${props.device}`} ref={stage}>
      <div className="preview-device" style={{ width: width * scale, height: frameHeight * scale }}>
        <iframe
          ref={frame}
          title={props.title}
          srcDoc={shown.current}
          sandbox="allow-same-origin"
          style={{ width, height: frameHeight, transform: `scale(${scale})`, transformOrigin: '0 0' }}
        />
      </div>
    </div>
  );
}
