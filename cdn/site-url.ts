import { env } from '../config/index.ts';

/**
 * The public address of a site on the local edge: <scheme>://<slug>.<SITE_BASE_DOMAIN>[:EDGE_PORT].
 * The port is left out when it is 80 or 443: the edge then listens on a standard port, either
 * directly or behind a TLS terminator (https on 443 in front of an edge on 80).
 */
export function siteUrl(slug: string): string {
  const { SITE_URL_SCHEME, SITE_BASE_DOMAIN, EDGE_PORT } = env();
  const port = EDGE_PORT === 80 || EDGE_PORT === 443 ? '' : `:${EDGE_PORT}`;
  return `${SITE_URL_SCHEME}://${slug}.${SITE_BASE_DOMAIN}${port}`;
}
