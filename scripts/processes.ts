// The processes of the Procfile, in one place for the launcher (scripts/start.ts) and the docs.
export const platformProcesses = {
  web: 'web/server.ts',
  worker: 'buildfarm/worker-process.ts',
  monitor: 'monitoring/monitor-process.ts',
  edge: 'cdn/edge-process.ts',
  // Developer mode's host agent (decision 145): runs the editor containers of this machine.
  'devmode-agent': 'devmode/agent-process.ts',
} as const;

export type PlatformProcess = keyof typeof platformProcesses;

/** How each of them is started: `node --import ./scripts/server-loader.mjs <entry>` (decision 140). */
export const serverLoader = './scripts/server-loader.mjs';

/**
 * Node flags per process. The web process keeps 2 MB young-generation semi-spaces instead of
 * 16 MB: at 500 concurrent mixed users its peak resident memory went 350+ → 338 MB (4 MB) → 322 MB
 * (2 MB) at the same CPU per request (decision 140).
 */
export const nodeFlags: Partial<Record<PlatformProcess, string[]>> = {
  web: ['--max-semi-space-size=2'],
};
