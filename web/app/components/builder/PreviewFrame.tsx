// The live preview: the page rendered by site/ (the same renderer the build uses) inside a
// sandboxed iframe without scripts, at phone (390px) or desktop (1280px) width. The desktop
// view is scaled down to fit the panel; the scroll position survives re-renders.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

// Layout effects measure the DOM; on the server there is none, so use a plain effect there.
const useBrowserLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

export type PreviewDevice = 'phone' | 'desktop';
export const DEVICE_WIDTHS: Record<PreviewDevice, number> = { phone: 390, desktop: 1280 };

export function PreviewFrame(props: {
  html: string;
  device: PreviewDevice;
  title: string;
  /** Called when the owner clicks a link to another page of the site inside the preview. */
  onNavigate?: (path: string) => void;
  /** The selected section's id: the preview scrolls to it when the selection changes. */
  focusId?: string | null;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const scroll = useRef(0);
  const [stageWidth, setStageWidth] = useState(0);
  const [stageHeight, setStageHeight] = useState(0);
  const width = DEVICE_WIDTHS[props.device];

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
  }, [props.html]);

  useEffect(() => {
    const element = frame.current;
    if (!element) return;
    const onLoad = () => {
      const doc = element.contentDocument;
      element.contentWindow?.scrollTo(0, scroll.current);
      doc?.addEventListener('click', (event) => {
        const link = (event.target as Element | null)?.closest?.('a');
        if (!link) return;
        event.preventDefault();
        const href = link.getAttribute('href') ?? '';
        if (href.startsWith('#')) doc.getElementById(href.slice(1))?.scrollIntoView({ behavior: 'smooth' });
        else if (href.startsWith('/') && !href.startsWith('//')) props.onNavigate?.(href);
      });
    };
    element.addEventListener('load', onLoad);
    return () => element.removeEventListener('load', onLoad);
  }, [props.onNavigate]);

  useEffect(() => {
    if (!props.focusId) return;
    const doc = frame.current?.contentDocument;
    const target = doc?.getElementById(props.focusId) ?? doc?.getElementById(`${props.focusId}-title`);
    if (!target) return;
    const top = target.getBoundingClientRect().top + (frame.current?.contentWindow?.scrollY ?? 0);
    frame.current?.contentWindow?.scrollTo({ top: Math.max(0, top - 24), behavior: 'smooth' });
    scroll.current = Math.max(0, top - 24);
  }, [props.focusId]);

  const available = Math.max(stageWidth - 32, 200);
  const scale = Math.min(1, available / width);
  // A phone is shown at a real phone's height; the desktop view fills the panel.
  const frameHeight = props.device === 'phone' ? Math.max(Math.min(844, stageHeight - 72), 480) : Math.max((stageHeight - 32) / scale, 600);

  return (
    <div className={`preview-stage device-${props.device}`} ref={stage}>
      <div className="preview-device" style={{ width: width * scale, height: frameHeight * scale }}>
        <iframe
          ref={frame}
          title={props.title}
          srcDoc={props.html}
          sandbox="allow-same-origin"
          style={{ width, height: frameHeight, transform: `scale(${scale})`, transformOrigin: '0 0' }}
        />
      </div>
    </div>
  );
}
