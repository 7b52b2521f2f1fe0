-- What a host costs a month, in its parts (issue 7: hardware amortised, power, operation), as ops
-- or finance enter them on /ops/scenarios. hosts.monthly_cost_krw stays the total the cost
-- roll-up and the scenario tables read; monitoring/host-costs.ts writes the parts and the total
-- together. Parts stay null for a host whose total was set some other way (e.g. proxmox/'s
-- setHostMonthlyCost), and the page then shows only the total.
alter table hosts
  add column hardware_monthly_krw integer check (hardware_monthly_krw >= 0),
  add column power_monthly_krw integer check (power_monthly_krw >= 0),
  add column operation_monthly_krw integer check (operation_monthly_krw >= 0),
  add column cost_updated_by text references users (id) on delete set null,
  add column cost_updated_at timestamptz;
