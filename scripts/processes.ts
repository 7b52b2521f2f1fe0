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
 * Node flags per process. The web process's old generation grows to twice what survived the last
 * full collection (`--heap-growing-percent=100`) instead of V8's adaptive up-to-4×: its live heap
 * is ~50–65 MB, and V8 let garbage pile up to 160–210 MB before collecting. With that bound the
 * young generation keeps V8's default size again (the 2 MB semi-spaces of decision 140 promoted
 * in-flight request objects and cost 1.5 scavenges per owner request). Measured in decision 142:
 * peak RSS 297 → 223 MB and GC pauses 7.9 → 4.0 ms per request at the same CPU per request.
 */
export const nodeFlags: Partial<Record<PlatformProcess, string[]>> = {
  web: ['--heap-growing-percent=100'],
};
