// Where an outgoing webhook may go (SSRF guard, decision 111). Someone types a URL and our servers
// POST to it (a workspace's API webhooks in web/app/api, a budget's alert webhook in monitoring/),
// so without a guard a URL such as http://169.254.169.254/ (cloud metadata), http://10.0.0.5/ or
// http://localhost:5432/ would make WindWalker reach into its own network for the caller.
//
// Rules, checked when a webhook is registered AND again at every delivery:
// - https:// only; http:// only with the dev/test setting WEBHOOK_ALLOW_LOOPBACK_HTTP (config/env.ts,
//   off by default and refused with NODE_ENV=production). No user:password@ in the URL.
// - Every address the host name resolves to must be public unicast. Refused: loopback, RFC 1918
//   private, link-local 169.254/16 (cloud metadata) and fe80::/10, CGNAT 100.64/10, unique-local
//   fc00::/7, 0.0.0.0/8 and ::, multicast, broadcast, reserved/documentation/benchmark ranges,
//   and IPv6 forms that embed an IPv4 address (::ffff:a.b.c.d is judged as a.b.c.d; NAT64, 6to4
//   and Teredo are refused outright). Loopback is let through only with the dev/test setting.
// - IP literals in any spelling (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1]) are
//   normalised by the WHATWG URL parser before they are judged, so the spelling cannot hide them.
// - DNS rebinding: a delivery connects to the address that was checked — the check runs inside
//   the socket's own `lookup`, so there is no second resolution between check and connect.
// - Redirects are never followed (a 3xx is recorded as a failed attempt).
// Range classification is ipaddr.js's (the library express's proxy-addr uses), not our own parsing.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { env } from '../config/index.ts';

export interface WebhookTargetPolicy {
  /** Dev/test only: http:// URLs and loopback addresses are allowed. */
  allowLoopbackHttp: boolean;
  /** Name resolution (all addresses of a host). dns.lookup unless a test passes its own. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

export function webhookTargetPolicy(): WebhookTargetPolicy {
  return { allowLoopbackHttp: env().WEBHOOK_ALLOW_LOOPBACK_HTTP };
}

export type WebhookUrlProblem = 'invalid_url' | 'scheme' | 'credentials' | 'address' | 'unresolvable';

/** A URL the guard refuses, with the reason in Korean (message) and English (messageEn). */
export class WebhookUrlError extends Error {
  constructor(readonly problem: WebhookUrlProblem, readonly messageKo: string, readonly messageEn: string) {
    super(messageEn);
    this.name = 'WebhookUrlError';
  }
}

const RANGE_NAMES_KO: Record<string, string> = {
  loopback: '루프백',
  private: '사설망(RFC 1918)',
  linkLocal: '링크 로컬(클라우드 메타데이터 포함)',
  carrierGradeNat: '통신사 NAT(100.64.0.0/10)',
  uniqueLocal: 'IPv6 고유 로컬(fc00::/7)',
  unspecified: '지정되지 않은 주소(0.0.0.0, ::)',
  multicast: '멀티캐스트',
  broadcast: '브로드캐스트',
  reserved: '예약·문서용 주소',
};

/** The range an address belongs to ('unicast' = public), judging IPv4-mapped IPv6 as its IPv4. */
export function addressRange(address: string): string {
  let ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range();
}

function refusal(host: string, address: string, policy: WebhookTargetPolicy): WebhookUrlError | null {
  let range: string;
  try {
    range = addressRange(address);
  } catch {
    range = 'invalid';
  }
  if (range === 'unicast' || (range === 'loopback' && policy.allowLoopbackHttp)) return null;
  const rangeKo = RANGE_NAMES_KO[range] ?? '특수 용도 주소';
  const shown = host === address ? address : `${host} → ${address}`;
  return new WebhookUrlError('address',
    `웹훅 주소가 공개되지 않은 내부 주소(${shown}, ${rangeKo})를 가리킵니다. 인터넷에서 접속할 수 있는 공개 주소를 입력해 주세요.`,
    `The webhook URL points to a non-public address (${shown}, ${range}). Use a publicly reachable address.`);
}

/** Scheme, credentials and (for an IP literal) the address: everything that needs no DNS. */
export function parseWebhookUrl(raw: string, policy: WebhookTargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('invalid_url', '웹훅 주소를 읽을 수 없습니다. https://로 시작하는 전체 주소를 입력해 주세요.', 'The webhook URL cannot be parsed. Enter a full https:// URL.');
  }
  const schemes = policy.allowLoopbackHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw policy.allowLoopbackHttp
      ? new WebhookUrlError('scheme', '웹훅 주소는 http:// 또는 https://로 시작해야 합니다.', 'The webhook URL must use http:// or https://.')
      : new WebhookUrlError('scheme', '웹훅 주소는 https://로 시작해야 합니다. 암호화되지 않은 http:// 주소로는 보내지 않습니다.', 'The webhook URL must use https://; plain http:// is not allowed.');
  }
  if (url.username || url.password) {
    throw new WebhookUrlError('credentials', '웹훅 주소에 사용자 이름이나 비밀번호(user:pass@)를 넣지 마세요. 요청은 서명 헤더로 확인할 수 있습니다.', 'Do not put credentials (user:pass@) in the webhook URL; verify requests by their signature.');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    const refused = refusal(host, host, policy);
    if (refused) throw refused;
  }
  return url;
}

function defaultResolve(hostname: string): Promise<{ address: string; family: number }[]> {
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
}

/**
 * The registration check. Refuses a URL whose scheme or any resolved address is not allowed.
 * A host name that does not resolve right now is accepted (DNS may not be set up yet, or be
 * briefly down); every delivery resolves and checks it again before connecting.
 */
export async function checkWebhookUrl(raw: string, policy: WebhookTargetPolicy = webhookTargetPolicy()): Promise<URL> {
  const url = parseWebhookUrl(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return url;
  let addresses: { address: string }[];
  try {
    addresses = await (policy.resolve ?? defaultResolve)(host);
  } catch {
    return url;
  }
  for (const { address } of addresses) {
    const refused = refusal(host, address, policy);
    if (refused) throw refused;
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A socket `lookup` that resolves the host, refuses it unless EVERY address is allowed, and hands
 * the socket exactly the addresses it checked (so a second, rebinding answer is never used).
 */
function guardedLookup(policy: WebhookTargetPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    (policy.resolve ?? defaultResolve)(hostname).then((addresses) => {
      if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
      for (const { address } of addresses) {
        const refused = refusal(hostname, address, policy);
        if (refused) throw refused;
      }
      const family = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = family ? addresses.filter((a) => a.family === family) : addresses;
      if (usable.length === 0) throw Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' });
      if (options.all) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
      else callback(null, usable[0].address, usable[0].family);
    }).catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

export interface WebhookPostResult {
  status: number;
  /** Location of a 3xx answer (never followed). */
  location: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs a webhook body to a URL under the guard: the URL is checked again, the connection goes
 * only to a checked address, redirects are not followed, the answer is read up to 64 KB.
 * Throws WebhookUrlError when the target is refused (permanent), another Error when the
 * receiver cannot be reached (worth retrying).
 */
export async function postWebhook(
  rawUrl: string,
  input: { headers: Record<string, string>; body: string; timeoutMs?: number },
  policy: WebhookTargetPolicy = webhookTargetPolicy(),
): Promise<WebhookPostResult> {
  const url = parseWebhookUrl(rawUrl, policy);
  const client = url.protocol === 'https:' ? https : http;
  const body = Buffer.from(input.body, 'utf8');
  return new Promise<WebhookPostResult>((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(policy) as unknown as typeof dns.lookup,
      timeout: input.timeoutMs ?? 10_000,
      headers: { ...input.headers, 'Content-Length': String(body.length) },
    }, (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) response.destroy();
      });
      const done = () => resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? null });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${(input.timeoutMs ?? 10_000) / 1000} s`)));
    request.on('error', (error) => reject(error));
    request.end(body);
  });
}
