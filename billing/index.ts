// billing/: plans and limits, subscriptions and cards (Toss billing keys, encrypted), monthly
// invoices with metered add-ons and VAT, charges that never happen twice, dunning, webhooks.
export { planCodes, addOnPrices, listPlans, getPlan, getTenantPlan, planInForce, assertWithinPlanLimit, assertCanCreateSite, assertPagesWithinPlan, assertStorageWithinPlan, assertCanPublish, topicParticle, UPGRADE_URL } from './plans.ts';
export type { Plan, PlanCode, PlanLimit } from './plans.ts';
export {
  getSubscription,
  startTrial,
  changePlan,
  cancelAtPeriodEnd,
  resumeSubscription,
  registerCard,
  getCard,
  removeCard,
  grantPlan,
  expireTrials,
} from './subscriptions.ts';
export type { Subscription, SubscriptionStatus, Card } from './subscriptions.ts';
export {
  createMonthlyInvoice,
  chargeInvoice,
  getInvoice,
  listInvoices,
  listDueInvoices,
  listInvoicePayments,
  PaymentMismatchError,
  vatOn,
  VAT_RATE_PERCENT,
  DUNNING_RETRY_DAYS,
} from './charges.ts';
export type { InvoicePayment, Invoice, InvoiceLine, InvoiceLineKind, InvoiceStatus, MeteredUsage, ChargeOutcome, ChargeOptions } from './charges.ts';
export { GRACE_PERIOD_DAYS, EDGE_SITE_CHANNEL, graceEndsAt, suspendAfterGrace } from './grace.ts';
export { prorate } from './proration.ts';
export type { ProrationInput, PricedPlan } from './proration.ts';
export { handleTossWebhook, refundPayment } from './webhooks.ts';
export type { WebhookOutcome, WebhookResult } from './webhooks.ts';
export { createTossClient, TossError, TossNetworkError } from './toss-client.ts';
export type { TossClient, TossClientOptions, TossPayment, TossBillingKey, ChargeBillingKeyInput } from './toss-client.ts';
export { loadEncryptionKey, encryptSecret, decryptSecret } from './encryption.ts';
export { tossClientFromEnv, encryptionKeyFromEnv } from './configure.ts';
export { BillingError } from './errors.ts';
export type { BillingErrorCode } from './errors.ts';
export { billingPeriod, periodOf, nextPeriod, periodLabelKo } from './periods.ts';
export { startBillingJobs, runDueCharges, closeMonth, previousPeriod, billingJobSchema, BILLING_CHARGE_QUEUE, BILLING_CLOSE_MONTH_QUEUE } from './jobs.ts';
export type { BillingJob, BillingJobsOptions, UsageSource } from './jobs.ts';
export { meteredUsageFromDatabase } from './metered-usage.ts';
export { getBillingOverview, getHostingUsage, getMrr, listAllPaymentsForFinance, formatKrw, formatKstDate } from './overview.ts';
export type { BillingOverview, BillingNotice, SiteHostingUsage, HostingLevel, MrrReport, FinancePayment } from './overview.ts';
