// The outgoing-webhook guard (SSRF, decision 111) lives in net/webhook-target.ts, shared with the
// monitor's budget alert webhooks (domain folders do not import web/app). The API imports it here.
export { addressRange, checkWebhookUrl, parseWebhookUrl, postWebhook, webhookTargetPolicy, WebhookUrlError } from '../../../net/index.ts';
export type { WebhookPostResult, WebhookTargetPolicy, WebhookUrlProblem } from '../../../net/index.ts';
