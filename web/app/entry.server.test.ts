// React 18's streaming renderer pads a full 2,048-byte buffer with zero bytes when a Korean
// (multi-byte) character does not fit; the entry's transform must remove exactly that padding.
import { PassThrough } from 'node:stream';
import { createElement } from 'react';
import { renderToPipeableStream, renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { withoutReactPaddingBytes } from './entry.server.tsx';

function streamed(element: ReturnType<typeof createElement>, through: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const { pipe } = renderToPipeableStream(element, {
      onAllReady() {
        const sink = withoutReactPaddingBytes();
        const target = through ? sink : new PassThrough();
        target.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
        target.on('end', () => resolve(Buffer.concat(chunks)));
        target.on('error', reject);
        pipe(target);
      },
      onError: reject,
    });
  });
}

// Many short Korean strings so that characters fall on every byte offset of the buffer edge.
const page = createElement(
  'ul',
  null,
  Array.from({ length: 400 }, (_, i) => createElement('li', { key: i }, `${'가'.repeat(i % 7)}아직 초대 이메일은 자동으로 보내지 않습니다 ${i}`)),
);

describe('withoutReactPaddingBytes', () => {
  it('turns the streamed Korean page into exactly what renderToString produces', async () => {
    const expected = renderToString(page);
    const raw = await streamed(page, false);
    const fixed = await streamed(page, true);
    expect(raw.includes(0)).toBe(true); // the React 18 bug is really there
    expect(fixed.includes(0)).toBe(false);
    expect(fixed.toString('utf8')).toBe(expected);
  });
});
