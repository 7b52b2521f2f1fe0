// The one place that reads process.env. Every process parses it once at start-up;
// a wrong value stops the process with the variable's name and what was expected.
import path from 'node:path';
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalUrl = z.string().url().optional();
const optionalSecret = z.string().min(1).optional();

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  DATA_DIR: z.string().default('.data'),
  BIND_HOST: z.string().default('127.0.0.1'),
  WEB_PORT: port(3000),
  EDGE_PORT: port(8080),
  PUBLIC_URL: optionalUrl,
  SITE_BASE_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/, 'a host name such as localhost or sites.example.com').default('localhost'),
  SITE_URL_SCHEME: z.enum(['http', 'https']).default('http'),
  ENCRYPTION_KEY: z.string().regex(/^[0-9a-f]{64}$/i, '64 hex characters (32 bytes)').optional(),
  BUILD_EXECUTOR: z.enum(['auto', 'docker', 'process']).default('auto'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  // Docker executor: build containers started ahead of builds (default one per build slot, at most 4; 0: none).
  BUILD_WARM_CONTAINERS: z.coerce.number().int().min(0).max(64).optional(),
  WORKER_HOST_NAME: z.string().optional(),
  // Holds every render this long (tests and the bench watch, cancel and kill running builds).
  BUILD_RENDER_DELAY_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  MONITOR_INTERVAL_SECONDS: z.coerce.number().min(1).default(60),
  // Developer mode: an editor session with no traffic this long is stopped (its workspace saved).
  DEVMODE_IDLE_MINUTES: z.coerce.number().min(1).max(24 * 60).default(30),
  // Where devmode/install-code-server.sh put Node 24 and code-server (one install per machine).
  DEVMODE_INSTALL_DIR: z.string().default('.data/devmode'),
  // Developer-mode host agents (devmode/agent.ts, decision 145): the secret the web signs its
  // requests to them with (the same on the web and every agent; outside production a random one
  // kept in DATA_DIR when unset), the agent's port, how the web reaches it, and the memory its
  // host gives editor sessions (default: the host's memory less 2 GiB). Port 0: any free port
  // (the agent registers the address it got).
  DEVMODE_AGENT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  DEVMODE_AGENT_PORT: port(0),
  DEVMODE_AGENT_URL: z.string().regex(/^https?:\/\/[^/\s]+$/, 'http://host:port, no path').optional(),
  DEVMODE_AGENT_MEMORY_MB: z.coerce.number().int().min(0).optional(),
  UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  // Outgoing webhooks: first retry after this many seconds, doubling each time (8 retries).
  WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  // Development and tests only (off by default, refused with NODE_ENV=production): outgoing webhooks
  // may also go to http:// URLs and to loopback addresses (127.0.0.0/8, ::1) — e.g. a receiver on
  // 127.0.0.1 in a test. Private, link-local, CGNAT and other non-public addresses stay refused.
  WEBHOOK_ALLOW_LOOPBACK_HTTP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  ANTHROPIC_API_KEY: optionalSecret,
  ANTHROPIC_BASE_URL: optionalUrl,
  TOSS_CLIENT_KEY: optionalSecret,
  TOSS_SECRET_KEY: optionalSecret,
  TOSS_API_BASE: z.string().url().default('https://api.tosspayments.com'),
  CLOUDFLARE_API_TOKEN: optionalSecret,
  CLOUDFLARE_ACCOUNT_ID: optionalSecret,
  CLOUDFLARE_API_BASE: optionalUrl,
  // The Cloudflare zone of SITE_BASE_DOMAIN: Pages sites' daily usage comes from its GraphQL analytics.
  CLOUDFLARE_ZONE_ID: optionalSecret,
  // The zone of the stable names custom domains point at (<key>.cname.<DNS_ZONE_NAME>, decision 143;
  // SITE_BASE_DOMAIN unless set) and its Cloudflare DNS API: the zone id and a token with DNS edit
  // (CLOUDFLARE_API_TOKEN unless set). Without DNS_ZONE_ID the names are kept in our database only.
  DNS_ZONE_NAME: z.string().regex(/^[a-z0-9.-]+$/, 'a zone name such as windwalker.kr').optional(),
  DNS_ZONE_ID: z.string().regex(/^[0-9a-f]{32}$/, 'the 32-hex-digit Cloudflare zone id').optional(),
  DNS_API_TOKEN: optionalSecret,
  VERCEL_TOKEN: optionalSecret,
  VERCEL_TEAM_ID: optionalSecret,
  VERCEL_API_BASE: z.string().url().default('https://api.vercel.com'),
  AWS_ACCESS_KEY_ID: optionalSecret,
  AWS_SECRET_ACCESS_KEY: optionalSecret,
  AWS_REGION: z.string().default('ap-northeast-2'),
  AWS_S3_BUCKET: optionalSecret,
  AWS_CLOUDFRONT_DISTRIBUTION_ID: optionalSecret,
  AWS_ENDPOINT_URL: optionalUrl,
  PROXMOX_URL: optionalUrl,
  PROXMOX_TOKEN: z.string().regex(/^[^@\s]+@[^!\s]+![^=\s]+=\S+$/, 'USER@REALM!TOKENID=SECRET').optional(),
  PROXMOX_WORKER_TEMPLATE_VMID: z.coerce.number().int().min(100).max(999_999_999).optional(),
  // npm run loadtest: a running platform to load-test instead of starting one (web app and edge).
  TARGET_URL: optionalUrl,
  TARGET_EDGE_URL: optionalUrl,
});

export type Env = z.infer<typeof envSchema> & { dataDir: string; publicUrl: string; devmodeInstallDir: string };

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const parsed = result.data;
  if (parsed.WEBHOOK_ALLOW_LOOPBACK_HTTP && parsed.NODE_ENV === 'production') {
    throw new EnvError('Invalid environment:\n  WEBHOOK_ALLOW_LOOPBACK_HTTP: must not be true with NODE_ENV=production (webhooks go only to public https:// addresses there)');
  }
  return {
    ...parsed,
    dataDir: path.resolve(parsed.DATA_DIR),
    devmodeInstallDir: path.resolve(parsed.DEVMODE_INSTALL_DIR),
    publicUrl: parsed.PUBLIC_URL ?? `http://localhost:${parsed.WEB_PORT}`,
  };
}

let cached: Env | undefined;

/** The validated environment of this process. Exits with a readable message when it is wrong. */
export function env(): Env {
  if (cached) return cached;
  try {
    cached = parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  return cached;
}

/** For tests and the process launcher: forget the parsed values so the next call re-reads them. */
export function resetEnvForTests(): void {
  cached = undefined;
}
