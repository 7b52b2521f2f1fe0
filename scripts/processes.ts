// The processes of the Procfile, in one place for the launcher (scripts/start.ts) and the docs.
export const platformProcesses = {
  web: 'web/server.ts',
  worker: 'buildfarm/worker-process.ts',
  monitor: 'monitoring/monitor-process.ts',
  edge: 'cdn/edge-process.ts',
} as const;

export type PlatformProcess = keyof typeof platformProcesses;
