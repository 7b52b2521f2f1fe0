// Server rendering: Remix's default Node entry (streaming, bots get the full page at once),
// plus handleError: a page that does not exist (404) or a request the browser abandoned is not
// an error worth logging; everything else is logged once, here, with its cause.
//
// React 18.3's streaming renderer has a bug that matters for Korean pages: when a multi-byte
// character does not fit at the end of its 2,048-byte buffer, it sends the whole buffer, so up
// to three zero bytes land in the middle of the HTML (react#24985, fixed only in React 19).
// Every render therefore goes through withoutReactPaddingBytes(), which trims them.
import { Transform } from "node:stream";

import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import * as isbotModule from "isbot";
import { renderToPipeableStream } from "react-dom/server";

const ABORT_DELAY = 5_000;
const REACT_VIEW_SIZE = 2048;

/** A pass-through that drops the zero padding React 18 leaves at the end of a full buffer. */
export function withoutReactPaddingBytes(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let end = chunk.length;
      if (end === REACT_VIEW_SIZE) {
        while (end > REACT_VIEW_SIZE - 3 && chunk[end - 1] === 0) end--;
      }
      callback(null, end === chunk.length ? chunk : chunk.subarray(0, end));
    },
  });
}

export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status === 404) return;
  console.error(`[web] ${request.method} ${new URL(request.url).pathname} failed:`, error);
};

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  _loadContext: AppLoadContext
) {
  // Bots (and SPA mode) get the whole page at once; browsers get the shell as soon as it is ready.
  const waitForAll = isBotRequest(request.headers.get("user-agent")) || remixContext.isSpaMode;
  return renderDocument(request, responseStatusCode, responseHeaders, remixContext, waitForAll ? "onAllReady" : "onShellReady");
}

// We have some Remix apps in the wild already running with isbot@3 so we need
// to maintain backwards compatibility even though we want new apps to use
// isbot@4.  That way, we can ship this as a minor Semver update to @remix-run/dev.
function isBotRequest(userAgent: string | null) {
  if (!userAgent) {
    return false;
  }

  // isbot >= 3.8.0, >4
  if ("isbot" in isbotModule && typeof isbotModule.isbot === "function") {
    return isbotModule.isbot(userAgent);
  }

  // isbot < 3.8.0
  if ("default" in isbotModule && typeof isbotModule.default === "function") {
    return isbotModule.default(userAgent);
  }

  return false;
}

function renderDocument(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  readyWhen: "onAllReady" | "onShellReady"
) {
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />,
      {
        [readyWhen]() {
          shellRendered = true;
          const body = withoutReactPaddingBytes();
          const stream = createReadableStreamFromReadable(body);
          responseHeaders.set("Content-Type", "text/html");
          resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors during the shell reject above and are logged by handleError; only log
          // the ones that happen while streaming the rest.
          if (shellRendered) console.error(error);
        },
      }
    );
    setTimeout(abort, ABORT_DELAY);
  });
}
