// The webhook SSRF guard: hostile URLs refused at registration, and at delivery against the
// address actually connected to (DNS rebinding), redirects not followed, loopback only with the
// dev/test setting. Real sockets on 127.0.0.1; name resolution faked only where a test needs a
// name that answers differently over time.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../../config/env.ts';
import { addressRange, checkWebhookUrl, postWebhook, WebhookUrlError, type WebhookTargetPolicy } from './webhook-target.server.ts';

const strict: WebhookTargetPolicy = { allowLoopbackHttp: false };
const dev: WebhookTargetPolicy = { allowLoopbackHttp: true };

async function refusalOf(url: string, policy: WebhookTargetPolicy): Promise<WebhookUrlError | null> {
  try {
    await checkWebhookUrl(url, policy);
    return null;
  } catch (error) {
    if (error instanceof WebhookUrlError) return error;
    throw error;
  }
}

describe('registration check', () => {
  // Every spelling of an internal address that the URL parser turns into one.
  const hostile = [
    'https://127.0.0.1/hook',
    'https://2130706433/hook', // decimal 127.0.0.1
    'https://0x7f000001/hook', // hex
    'https://0177.0.0.1/hook', // octal
    'https://0x7f.1/hook', // mixed short form
    'https://127.1/hook',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:7f00:1]/hook',
    'https://localhost/hook', // a name resolving to 127.0.0.1
    'https://10.0.0.1/hook',
    'https://012.0.0.1/hook', // octal 10.0.0.1
    'https://172.16.5.4/hook',
    'https://172.31.255.255/hook',
    'https://192.168.1.1/hook',
    'https://3232235777/hook', // decimal 192.168.1.1
    'https://169.254.169.254/latest/meta-data/', // cloud metadata
    'https://0xa9fea9fe/latest/meta-data/', // the same, hex
    'https://[::ffff:169.254.169.254]/latest/meta-data/',
    'https://[fe80::1]/hook',
    'https://100.64.0.1/hook',
    'https://100.127.255.254/hook',
    'https://[fd00::1]/hook',
    'https://[fc00::5]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://[::ffff:192.168.0.10]/hook',
    'https://0.0.0.0/hook',
    'https://0/hook',
    'https://[::]/hook',
    'https://224.0.0.1/hook',
    'https://239.255.255.250/hook',
    'https://[ff02::1]/hook',
    'https://255.255.255.255/hook',
    'https://240.0.0.1/hook',
    'https://192.0.2.10/hook', // documentation range
    'https://[64:ff9b::7f00:1]/hook', // NAT64 of 127.0.0.1
    'https://[2002:7f00:1::]/hook', // 6to4 of 127.0.0.1
  ];

  it.each(hostile)('refuses %s', async (url) => {
    const refused = await refusalOf(url, strict);
    expect(refused?.problem).toBe('address');
    expect(refused?.messageKo).toMatch(/공개되지 않은 내부 주소/);
    expect(refused?.messageEn).toMatch(/non-public address/);
  });

  it.each([
    ['http://example.com/hook', 'scheme'],
    ['http://93.184.215.14/hook', 'scheme'],
    ['ftp://example.com/hook', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['gopher://127.0.0.1:6379/_INFO', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['https://user:secret@example.com/hook', 'credentials'],
    ['not a url', 'invalid_url'],
  ])('refuses %s (%s)', async (url, problem) => {
    expect((await refusalOf(url, strict))?.problem).toBe(problem);
  });

  it('says in Korean and English that https is required', async () => {
    const refused = await refusalOf('http://example.com/hook', strict);
    expect(refused?.messageKo).toBe('웹훅 주소는 https://로 시작해야 합니다. 암호화되지 않은 http:// 주소로는 보내지 않습니다.');
    expect(refused?.messageEn).toMatch(/must use https/);
  });

  it('accepts public addresses and names that resolve only to public addresses', async () => {
    expect(await refusalOf('https://93.184.215.14/hook', strict)).toBeNull();
    expect(await refusalOf('https://[2606:4700:4700::1111]/hook', strict)).toBeNull();
    expect(await refusalOf('https://[::ffff:93.184.215.14]/hook', strict)).toBeNull();
    const resolve = async () => [{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }];
    expect(await refusalOf('https://hooks.shop.example/windwalker', { ...strict, resolve })).toBeNull();
  });

  it('refuses a name when any one of its addresses is internal', async () => {
    const resolve = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }];
    const refused = await refusalOf('https://mixed.shop.example/hook', { ...strict, resolve });
    expect(refused?.messageKo).toContain('mixed.shop.example → 10.1.2.3');
  });

  it('accepts a name that does not resolve yet (each delivery checks it again)', async () => {
    const resolve = async () => { throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' }); };
    expect(await refusalOf('https://not-yet.shop.example/hook', { ...strict, resolve })).toBeNull();
  });

  it('with the dev/test setting, allows http:// and loopback but still refuses every other internal range', async () => {
    for (const url of ['http://127.0.0.1:4000/hook', 'http://localhost:4000/hook', 'http://[::1]:4000/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://2130706433/hook']) {
      expect({ url, refused: await refusalOf(url, dev) }).toEqual({ url, refused: null });
    }
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:192.168.0.1]/hook', 'http://100.64.0.1/hook', 'http://0.0.0.0/hook', 'http://[fd00::1]/hook']) {
      expect({ url, problem: (await refusalOf(url, dev))?.problem }).toEqual({ url, problem: 'address' });
    }
    expect((await refusalOf('ftp://127.0.0.1/hook', dev))?.problem).toBe('scheme');
  });

  it('classifies with ipaddr.js, judging IPv4-mapped IPv6 as the IPv4 inside', () => {
    expect(addressRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressRange('::ffff:169.254.169.254')).toBe('linkLocal');
    expect(addressRange('100.64.0.1')).toBe('carrierGradeNat');
    expect(addressRange('8.8.8.8')).toBe('unicast');
  });
});

describe('the dev/test setting in the environment', () => {
  it('is off by default, must be true or false, and cannot be turned on in production', () => {
    expect(parseEnv({}).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(false);
    expect(parseEnv({ NODE_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true' }).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(true);
    expect(() => parseEnv({ WEBHOOK_ALLOW_LOOPBACK_HTTP: 'yes' })).toThrow(/WEBHOOK_ALLOW_LOOPBACK_HTTP/);
    expect(() => parseEnv({ NODE_ENV: 'production', WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true' })).toThrow(/WEBHOOK_ALLOW_LOOPBACK_HTTP: must not be true with NODE_ENV=production/);
  });
});

describe('delivery', () => {
  interface Receiver { server: Server; port: number; requests: { host: string | undefined; body: string }[] }
  const receivers: Receiver[] = [];

  async function receiver(answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string> }): Promise<Receiver> {
    const requests: Receiver['requests'] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ host: req.headers.host, body });
        const { status, headers } = answer(req);
        res.writeHead(status, headers).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const r = { server, port: (server.address() as AddressInfo).port, requests };
    receivers.push(r);
    return r;
  }

  let target: Receiver;
  beforeAll(async () => {
    target = await receiver(() => ({ status: 204 }));
  });
  afterAll(async () => {
    for (const r of receivers) await new Promise<void>((resolve) => r.server.close(() => resolve()));
  });

  const send = (url: string, policy: WebhookTargetPolicy) => postWebhook(url, { headers: { 'Content-Type': 'application/json' }, body: '{"type":"build.succeeded"}' }, policy);

  it('refuses loopback targets without the setting and connects to nothing', async () => {
    const before = target.requests.length;
    for (const url of [`https://127.0.0.1:${target.port}/hook`, `https://localhost:${target.port}/hook`, `https://[::ffff:127.0.0.1]:${target.port}/hook`, `http://127.0.0.1:${target.port}/hook`]) {
      await expect(send(url, strict), url).rejects.toBeInstanceOf(WebhookUrlError);
    }
    expect(target.requests.length).toBe(before);
  });

  it('checks the address at delivery time: a name that resolved to a public address at registration and to 127.0.0.1 now is refused (DNS rebinding)', async () => {
    let answers = 0;
    const rebinding: WebhookTargetPolicy = {
      allowLoopbackHttp: false,
      resolve: async () => (answers++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]),
    };
    const url = `https://rebind.shop.example:${target.port}/hook`;
    await checkWebhookUrl(url, rebinding); // registration: public
    const before = target.requests.length;
    const refused = await send(url, rebinding).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WebhookUrlError);
    expect((refused as WebhookUrlError).messageKo).toContain('rebind.shop.example → 127.0.0.1');
    expect(target.requests.length).toBe(before);
  });

  it('connects to exactly the address it checked, resolving once per delivery', async () => {
    let lookups = 0;
    // A name no real resolver knows: the request can only arrive if the socket used our answer.
    const pinned: WebhookTargetPolicy = { allowLoopbackHttp: true, resolve: async () => { lookups += 1; return [{ address: '127.0.0.1', family: 4 }]; } };
    const answer = await send(`http://hooks.windwalker.invalid:${target.port}/pinned`, pinned);
    expect(answer.status).toBe(204);
    expect(lookups).toBe(1);
    expect(target.requests.at(-1)).toEqual({ host: `hooks.windwalker.invalid:${target.port}`, body: '{"type":"build.succeeded"}' });
  });

  it('does not follow redirects (to an internal address or anywhere else)', async () => {
    const inside = await receiver(() => ({ status: 200 }));
    const redirecting = await receiver(() => ({ status: 302, headers: { Location: `http://127.0.0.1:${inside.port}/admin` } }));
    const answer = await send(`http://127.0.0.1:${redirecting.port}/hook`, dev);
    expect(answer).toEqual({ status: 302, location: `http://127.0.0.1:${inside.port}/admin` });
    expect(redirecting.requests).toHaveLength(1);
    expect(inside.requests).toHaveLength(0);
  });

  it('reports an unreachable receiver as a plain error (retried), not as a refusal', async () => {
    const closed = await receiver(() => ({ status: 200 }));
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    receivers.splice(receivers.indexOf(closed), 1);
    const failure = await send(`http://127.0.0.1:${closed.port}/hook`, dev).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(WebhookUrlError);
  });
});
