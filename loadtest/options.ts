// The command line of `npm run loadtest`: which scenario, at which concurrency targets, in which
// load model, for how long, against which platform. Parsed once; a wrong value stops the run with
// a sentence naming the flag and what it expects.
import { z } from 'zod';

export const SCENARIOS = ['visitors', 'owners', 'mixed'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const MODELS = ['closed', 'open'] as const;
export type LoadModel = (typeof MODELS)[number];

/** The business plan's concurrency targets. */
export const CONCURRENCY_TARGETS = [50, 100, 250, 500] as const;

export interface LoadtestOptions {
  scenarios: Scenario[];
  vus: number[];
  model: LoadModel;
  /** Steady phase at the target (k6 duration, e.g. "30s", "2m"). */
  duration: string;
  /** Ramp from 0 to the target before the steady phase (closed model). */
  rampUp: string;
  /** Seconds a user pauses between pages (think time); the open model's rate is vus / thinkTime. */
  thinkTime: number;
  /** Share of owner iterations that end with a publish. */
  publishRatio: number;
  /** Stop at the first target of a scenario that misses the thresholds (the rest would miss too). */
  stopOnFail: boolean;
  /** CPU-profile the started platform's processes and print where the time went. */
  profile: boolean;
  /** Where to find the platform; null starts one with startPlatform(). */
  targetUrl: string | null;
  targetEdgeUrl: string | null;
}

export class UsageError extends Error {}

const K6_DURATION = /^(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;

export function isK6Duration(value: string): boolean {
  return value.length > 0 && K6_DURATION.test(value) && /\d/.test(value);
}

/** "1m30s" → 90. */
export function durationSeconds(value: string): number {
  if (!isK6Duration(value)) throw new UsageError(`'${value}' is not a k6 duration such as 30s, 2m or 1m30s.`);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|h|m|s)/g)) {
    total += Number(amount) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as const)[unit as 'h' | 'm' | 's' | 'ms'];
  }
  return total;
}

const vusList = z
  .string()
  .transform((text, ctx) => {
    const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
    const numbers = parts.map(Number);
    if (parts.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
      ctx.addIssue({ code: 'custom', message: `--vus takes whole numbers from 1 to 5000, separated by commas (e.g. 50,100,250,500); got '${text}'.` });
      return z.NEVER;
    }
    return [...new Set(numbers)].sort((a, b) => a - b);
  });

const durationFlag = (flag: string) =>
  z.string().refine(isK6Duration, (value) => ({ message: `${flag} takes a k6 duration such as 30s, 2m or 1m30s; got '${value}'.` }));

const optionalUrl = (flag: string) =>
  z.string().url(`${flag} must be a URL such as http://127.0.0.1:3000`).transform((u) => u.replace(/\/+$/, '')).optional();

const schema = z.object({
  scenario: z.string().default('mixed').transform((text, ctx) => {
    const list = text === 'all' ? [...SCENARIOS] : text.split(',').map((s) => s.trim());
    const wrong = list.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
    if (wrong.length > 0 || list.length === 0) {
      ctx.addIssue({ code: 'custom', message: `--scenario takes ${SCENARIOS.join(', ')} or all (comma-separated for several); got '${text}'.` });
      return z.NEVER;
    }
    return [...new Set(list)] as Scenario[];
  }),
  vus: vusList.default(CONCURRENCY_TARGETS.join(',')),
  model: z.enum(MODELS, { errorMap: () => ({ message: `--model takes closed (fixed number of users) or open (arrival rate).` }) }).default('closed'),
  duration: durationFlag('--duration').default('30s'),
  'ramp-up': durationFlag('--ramp-up').default('10s'),
  'think-time': z.coerce.number({ invalid_type_error: '--think-time takes seconds, e.g. 1' }).min(0).max(60).default(1),
  'publish-ratio': z.coerce.number({ invalid_type_error: '--publish-ratio takes a share between 0 and 1, e.g. 0.02' }).min(0).max(1).default(0.02),
  'stop-on-fail': z.boolean().default(false),
  profile: z.boolean().default(false),
  target: optionalUrl('--target (or TARGET_URL)'),
  'target-edge': optionalUrl('--target-edge (or TARGET_EDGE_URL)'),
});

const BOOLEAN_FLAGS = new Set(['stop-on-fail', 'profile']);

/**
 * Parses `--vus 50,100 --scenario mixed --model open --duration 30s` (also `--vus=50`). The
 * environment supplies TARGET_URL and TARGET_EDGE_URL when the flags are absent.
 */
export function parseLoadtestArgs(argv: string[], environment: { TARGET_URL?: string; TARGET_EDGE_URL?: string } = {}): LoadtestOptions {
  const raw: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`Unexpected argument '${arg}'. ${USAGE}`);
    const [, name, inline] = match;
    if (!(name in schema.shape)) throw new UsageError(`Unknown flag --${name}. ${USAGE}`);
    if (BOOLEAN_FLAGS.has(name)) {
      raw[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value. ${USAGE}`);
    raw[name] = value;
  }
  if (raw.target === undefined && environment.TARGET_URL) raw.target = environment.TARGET_URL;
  if (raw['target-edge'] === undefined && environment.TARGET_EDGE_URL) raw['target-edge'] = environment.TARGET_EDGE_URL;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('\n'));
  const o = parsed.data;
  if (o['target-edge'] && !o.target) throw new UsageError('--target-edge (TARGET_EDGE_URL) needs --target (TARGET_URL) too: the web app seeds the published sites.');
  if (o.target && !o['target-edge'] && o.scenario.some((s) => s !== 'owners')) {
    throw new UsageError(`The ${o.scenario.join(', ')} scenario visits published sites: set TARGET_EDGE_URL (or --target-edge) to the edge of ${o.target}.`);
  }
  return {
    scenarios: o.scenario,
    vus: o.vus,
    model: o.model,
    duration: o.duration,
    rampUp: o['ramp-up'],
    thinkTime: o['think-time'],
    publishRatio: o['publish-ratio'],
    stopOnFail: o['stop-on-fail'],
    profile: o.profile,
    targetUrl: o.target ?? null,
    targetEdgeUrl: o['target-edge'] ?? null,
  };
}

export const USAGE =
  'Usage: npm run loadtest -- [--scenario visitors|owners|mixed|all] [--vus 50,100,250,500] [--model closed|open] ' +
  '[--duration 30s] [--ramp-up 10s] [--think-time 1] [--publish-ratio 0.02] [--stop-on-fail] [--profile] ' +
  '[--target http://web] [--target-edge http://edge]';
