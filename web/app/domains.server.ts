// Custom domains for the web app and the public API: the CDN providers this process can use
// (built once from the environment), handed to cdn/'s domain functions.
import { createProviders, type DomainProviders } from '../../cdn/index.ts';
import { env } from '../../config/index.ts';
import type { Sql } from '../../db/index.ts';

const providersBySql = new WeakMap<object, DomainProviders>();

export function domainProviders(sql: Sql): DomainProviders {
  let providers = providersBySql.get(sql);
  if (!providers) {
    providers = createProviders(sql, { dataDir: env().dataDir });
    providersBySql.set(sql, providers);
  }
  return providers;
}
