// net/: how WindWalker's servers reach out to addresses other people type. One front door for
// every process (web, monitor): the outgoing-webhook guard (webhook-target.ts).
export { addressRange, checkWebhookUrl, parseWebhookUrl, postWebhook, webhookTargetPolicy, WebhookUrlError } from './webhook-target.ts';
export type { WebhookPostResult, WebhookTargetPolicy, WebhookUrlProblem } from './webhook-target.ts';
