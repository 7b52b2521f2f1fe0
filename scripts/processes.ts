// The processes of the Procfile, in one place for the launcher (scripts/start.ts) and the docs.
export const platformProcesses = {
  web: 'web/server.ts',
  worker: 'buildfarm/worker-process.ts',
  monitor: 'monitoring/monitor-process.ts',
  edge: 'cdn/edge-process.ts',
} as const;

export type PlatformProcess = keyof typeof platformProcesses;

/** How each of them is started: `node --import ./scripts/server-loader.mjs <entry>` (decision 140). */
export const serverLoader = './scripts/server-loader.mjs';

/**
 * Node flags per process. The web process keeps a 4 MB young-generation semi-space instead of
 * 16 MB: under 250 concurrent users its peak resident memory fell from 350 to 314 MB at the
 * same CPU per request (decision 140).
 */
export const nodeFlags: Partial<Record<PlatformProcess, string[]>> = {
  web: ['--max-semi-space-size=4'],
};
