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
    // What CloudFront has beyond the required calls: a method left out here is one the provider
    // does not have in a process built by the registry (createRemoteProvider looks for it).
    setRedirects: async (...args) => {
      const loaded = await backend();
      if (!loaded.setRedirects) throw new Error(`${name}: this provider cannot redirect a site's domains`);
      return loaded.setRedirects(...args);
    },
    deleteSite: async (...args) => {
      const loaded = await backend();
      if (!loaded.deleteSite) throw new Error(`${name}: this provider cannot delete a site`);
      return loaded.deleteSite(...args);
    },
    usage: async (...args) => (await backend()).usage(...args),
    probe: async () => (await backend()).probe(),
  };
}
