// A scripted owner for benches: signs up, creates a site and publishes through the web app's real
// HTTP routes (form posts with the Origin header and the session cookie), like the browser does.
export class HttpOwner {
  private cookie = '';
  constructor(readonly webUrl: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('origin', this.webUrl);
    if (this.cookie) headers.set('cookie', this.cookie);
    const res = await fetch(`${this.webUrl}${path}`, { ...init, headers, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return res;
  }

  private async postForm(path: string, fields: Record<string, string>): Promise<Response> {
    const res = await this.request(path, { method: 'POST', body: new URLSearchParams(fields) });
    if (res.status >= 400) throw new Error(`POST ${path} → ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res;
  }

  async signUp(email: string): Promise<void> {
    await this.postForm('/signup', { email, password: 'bench-password-1234', displayName: '벤치', workspaceName: '벤치 워크스페이스' });
    if (!this.cookie) throw new Error('sign-up did not start a session');
  }

  async createSite(slug: string, template = 'cafe'): Promise<string> {
    const res = await this.postForm('/sites/new', { name: `벤치 ${slug}`, slug, template });
    const location = res.headers.get('location') ?? '';
    const match = /\/sites\/([0-9a-f-]{36})/.exec(location);
    if (!match) throw new Error(`site creation did not redirect to the builder (location: ${location})`);
    return match[1];
  }

  async loadDocument(siteId: string): Promise<{ document: any; revision: number }> {
    const res = await this.request(`/sites/${siteId}?_data=${encodeURIComponent('routes/sites.$siteId._index')}`);
    if (!res.ok) throw new Error(`builder data → ${res.status}`);
    const data = (await res.json()) as { site: { document: unknown; revision: number } };
    return { document: data.site.document, revision: data.site.revision };
  }

  async saveDocument(siteId: string, document: unknown, baseRevision: number): Promise<number> {
    const res = await this.request(`/sites/${siteId}/document`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ document, baseRevision }),
    });
    const body = (await res.json()) as { ok: boolean; revision?: number; message?: string };
    if (!body.ok || !body.revision) throw new Error(`save failed: ${body.message}`);
    return body.revision;
  }

  /** Uploads an image to the site's assets, as the builder's photo fields do; returns the asset id. */
  async uploadImage(siteId: string, fileName: string, bytes: Buffer, contentType = 'image/jpeg'): Promise<string> {
    const body = new FormData();
    body.set('file', new Blob([new Uint8Array(bytes)], { type: contentType }), fileName);
    const res = await this.request(`/sites/${siteId}/upload`, { method: 'POST', body, headers: { accept: 'application/json' } });
    const answer = (await res.json()) as { ok: boolean; asset?: { id: string }; message?: string };
    if (!answer.ok || !answer.asset) throw new Error(`upload ${fileName} → ${res.status}: ${answer.message}`);
    return answer.asset.id;
  }

  async publish(siteId: string): Promise<string> {
    const res = await this.postForm(`/sites/${siteId}`, { intent: 'publish' });
    const match = /\/builds\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '');
    if (!match) throw new Error('publish did not redirect to the build page');
    return match[1];
  }
}
