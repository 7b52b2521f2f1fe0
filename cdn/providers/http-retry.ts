// fetch with the retries a REST API under load needs: 429 waits for Retry-After (seconds or an
// HTTP date) and 5xx / network errors back off exponentially (250 ms, 500 ms, 1 s, …). Only
// for requests that are safe to repeat — every call WindWalker makes to a CDN is (uploads are
// content-addressed, creations are checked for "already exists").

export interface RetryOptions {
  /** Attempts after the first; 4 unless set. */
  retries?: number;
  baseDelayMs?: number;
  /** Longest wait we accept from a Retry-After header. */
  maxDelayMs?: number;
}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export async function fetchWithRetry(url: string, init: RequestInit, options: RetryOptions = {}): Promise<Response> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (attempt >= retries) throw new Error(`${init.method ?? 'GET'} ${url} failed: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, base * 2 ** attempt));
      continue;
    }
    const retryable = response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= retries) return response;
    const wait = response.status === 429 ? (retryAfterMs(response.headers.get('retry-after')) ?? base * 2 ** attempt) : base * 2 ** attempt;
    await response.arrayBuffer().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, maxDelay)));
  }
}
