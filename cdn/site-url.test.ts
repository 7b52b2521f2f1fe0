import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../config/index.ts';
import { siteUrl } from './index.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['SITE_URL_SCHEME', 'SITE_BASE_DOMAIN', 'EDGE_PORT']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  resetEnvForTests();
});

function withEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
  resetEnvForTests();
}

describe('siteUrl', () => {
  it('is the slug under the base domain on the edge port', () => {
    withEnv({ SITE_URL_SCHEME: 'http', SITE_BASE_DOMAIN: 'localhost', EDGE_PORT: '8080' });
    expect(siteUrl('cafe-bom')).toBe('http://cafe-bom.localhost:8080');
  });

  it('leaves out the port when it is 80 or 443', () => {
    withEnv({ SITE_URL_SCHEME: 'https', SITE_BASE_DOMAIN: 'sites.windwalker.kr', EDGE_PORT: '443' });
    expect(siteUrl('cafe-bom')).toBe('https://cafe-bom.sites.windwalker.kr');
    withEnv({ SITE_URL_SCHEME: 'http', SITE_BASE_DOMAIN: 'sites.windwalker.kr', EDGE_PORT: '80' });
    expect(siteUrl('salon')).toBe('http://salon.sites.windwalker.kr');
  });
});
