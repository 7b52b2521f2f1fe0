// An error the owner sees: a Korean sentence that names what happened and the next step.
// `code` lets the web layer pick a page or a status; internal causes stay in `cause`.
export type BillingErrorCode =
  | 'NO_SUBSCRIPTION'
  | 'NO_CARD'
  | 'CUSTOMER_KEY_MISMATCH'
  | 'UNKNOWN_PLAN'
  | 'PLAN_LIMIT'
  | 'WORKSPACE_LIMITED'
  | 'CARD_REGISTRATION_FAILED'
  | 'PERIOD_NOT_CLOSED';

export class BillingError extends Error {
  readonly code: BillingErrorCode;
  constructor(code: BillingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BillingError';
    this.code = code;
  }
}
