-- What a provider needs to find a custom domain's resources again from any process (CloudFront:
-- the ACM certificate ARN and the domain's own distribution id), like deployments.provider_data.
alter table cdn_domains add column provider_data jsonb not null default '{}';
