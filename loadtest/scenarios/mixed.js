// The mix the business plan sizes for: most people are visitors of published sites, some are
// owners editing in the builder (VISITOR_SHARE, default 80% / 20%), running at the same time.
import { baseOptions, config, scenario } from './common.js';
import { VISITOR_ENDPOINTS } from './visitors.js';
import { OWNER_ENDPOINTS } from './owners.js';

export { visitSite } from './visitors.js';
export { editSite } from './owners.js';

const visitors = Math.max(1, Math.round(config.targetVus * config.visitorShare));
const owners = Math.max(1, config.targetVus - visitors);

export const options = baseOptions(
  {
    visitors: scenario('visitSite', visitors, 1),
    owners: scenario('editSite', owners, 4),
  },
  [...VISITOR_ENDPOINTS, ...OWNER_ENDPOINTS],
);

export { handleSummary } from './summary.js';
