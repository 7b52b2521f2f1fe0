export { startMonitor, type Monitor } from './monitor.ts';
export { latestHostSamples, buildLoad, type HostSample, type StoredHostSample } from './host-capacity.ts';
