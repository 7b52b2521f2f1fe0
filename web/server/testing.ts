// For web tests: the real web server (express + the built Remix app) on a free port against a
// fresh test database, and a small cookie-keeping HTTP client that behaves like a browser tab.
//   const web = await startTestWeb();          // beforeAll (needs `npm run build` once)
//   const tab = web.tab();
//   await tab.post('/signup', { email, password, displayName, workspaceName });
//   await web.stop();                          // afterAll
import { createTestDatabase, type TestDatabase } from '../../db/testing/index.ts';
import { startWebServer, type WebServer } from './start.ts';

export interface TestResponse {
  status: number;
  location: string | null;
  /** The response text; React's `<!-- -->` text separators removed so sentences read as shown. */
  body: string;
  headers: Headers;
}

export class BrowserTab {
  readonly cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  private remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  async request(path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<TestResponse> {
    const method = init.method ?? (init.form ? 'POST' : 'GET');
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: {
        ...this.cookieHeader(),
        ...(method === 'GET' ? {} : { Origin: this.baseUrl }),
        ...(init.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    this.remember(response);
    const text = await response.text();
    // A zero byte in a page is always a rendering bug (see entry.server.tsx), never content.
    if (text.includes('\0')) throw new Error(`${method} ${path} answered a page containing zero bytes`);
    return { status: response.status, location: response.headers.get('location'), body: text.replaceAll('<!-- -->', ''), headers: response.headers };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request(path, { headers });
  }

  post(path: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request(path, { form, headers });
  }
}

export interface TestWeb {
  db: TestDatabase;
  server: WebServer;
  baseUrl: string;
  tab(): BrowserTab;
  /** Signs a new user up (with their own workspace) in a fresh tab and returns the tab. */
  signUp(input: { email: string; password?: string; displayName?: string; workspaceName?: string }): Promise<BrowserTab>;
  stop(): Promise<void>;
}

export const TEST_PASSWORD = 'correct-horse-battery';

export async function startTestWeb(): Promise<TestWeb> {
  const db = await createTestDatabase();
  const server = await startWebServer({ sql: db.sql, databaseUrl: db.url, port: 0, host: '127.0.0.1' });
  const baseUrl = server.url;
  return {
    db,
    server,
    baseUrl,
    tab: () => new BrowserTab(baseUrl),
    async signUp(input) {
      const tab = new BrowserTab(baseUrl);
      const response = await tab.post('/signup', {
        email: input.email,
        password: input.password ?? TEST_PASSWORD,
        displayName: input.displayName ?? input.email.split('@')[0],
        workspaceName: input.workspaceName ?? `${input.email.split('@')[0]}의 가게`,
      });
      if (response.status !== 302) throw new Error(`sign-up of ${input.email} answered ${response.status}: ${response.body.slice(0, 500)}`);
      return tab;
    },
    async stop() {
      await server.close();
      await db.drop();
    },
  };
}
