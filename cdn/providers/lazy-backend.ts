// A hosted CDN backend whose module (and SDK) is imported on its first call. The AWS SDK clients
// behind CloudFront add about 40 MB to every process that merely lists the configured providers
// (web, monitor), most of which never deploy there.
import type { RemoteBackend } from './remote.ts';

export function lazyBackend(name: RemoteBackend['name'], load: () => Promise<RemoteBackend>): RemoteBackend {
  let loading: Promise<RemoteBackend> | undefined;
  const backend = () => (loading ??= load());
  return {
    name,
    upload: async (...args) => (await backend()).upload(...args),
    switchTo: async (...args) => (await backend()).switchTo(...args),
    remove: async (...args) => (await backend()).remove(...args),
    attachDomain: async (...args) => (await backend()).attachDomain(...args),
    domainStatus: async (...args) => (await backend()).domainStatus(...args),
    detachDomain: async (...args) => {
      const loaded = await backend();
      if (!loaded.detachDomain) throw new Error(`${name}: this provider cannot disconnect a custom domain`);
      return loaded.detachDomain(...args);
    },
    usage: async (...args) => (await backend()).usage(...args),
    probe: async () => (await backend()).probe(),
  };
}
