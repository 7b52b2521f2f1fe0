// Toss Payments core API client (https://docs.tosspayments.com/reference): billing keys,
// billing charges, payment lookup and cancel. Auth is HTTP Basic with the secret key as the
// user name and an empty password — base64("<secretKey>:"), the trailing colon included.
// Errors come back as { code, message } with an HTTP status; they become TossError.
//
// Retries: a network error or a 5xx is retried only when repeating the request cannot do the
// work twice — reads (GET), and POSTs that carry an Idempotency-Key (Toss replays the first
// response for the same key, for 15 days). A POST without a key is never retried.

export interface TossCard {
  issuerCode?: string;
  acquirerCode?: string;
  number?: string;
  cardType?: string;
  ownerType?: string;
  company?: string;
  amount?: number;
}

export interface TossBillingKey {
  mId?: string;
  customerKey: string;
  authenticatedAt?: string;
  method?: string;
  billingKey: string;
  cardCompany?: string;
  cardNumber?: string;
  card?: TossCard;
}

export interface TossCancel {
  cancelAmount: number;
  cancelReason: string;
  canceledAt: string;
  transactionKey?: string;
}

export type TossPaymentStatus =
  | 'READY'
  | 'IN_PROGRESS'
  | 'WAITING_FOR_DEPOSIT'
  | 'DONE'
  | 'CANCELED'
  | 'PARTIAL_CANCELED'
  | 'ABORTED'
  | 'EXPIRED';

export interface TossPayment {
  mId?: string;
  version?: string;
  paymentKey: string;
  orderId: string;
  orderName?: string;
  status: TossPaymentStatus;
  method?: string;
  type?: string;
  requestedAt?: string;
  approvedAt: string | null;
  totalAmount: number;
  balanceAmount?: number;
  suppliedAmount?: number;
  vat?: number;
  currency?: string;
  card?: TossCard | null;
  cancels?: TossCancel[] | null;
  failure?: { code: string; message: string } | null;
  receipt?: { url: string } | null;
  [field: string]: unknown;
}

export class TossError extends Error {
  readonly code: string;
  readonly status: number;
  /** Toss's own message (Korean), fit to show the owner. */
  readonly tossMessage: string;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(`Toss ${status} ${code}: ${message}`, options);
    this.name = 'TossError';
    this.code = code;
    this.status = status;
    this.tossMessage = message;
  }
  /** The card or the customer's situation — retrying the same request will not help. */
  get isDecline(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 401 && this.status !== 409 && this.status !== 429;
  }
}

/** The request never got an answer (connection refused or dropped, timeout) after all retries. */
export class TossNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TossNetworkError';
  }
}

export interface TossClientOptions {
  secretKey: string;
  baseUrl: string;
  fetch?: typeof fetch;
  /** Waits between retries of a safe request, in ms (default 300, 1000, 3000). */
  retryDelaysMs?: number[];
  /** Per-request timeout in ms (default 30s; Toss card approvals can take seconds). */
  timeoutMs?: number;
}

export interface ChargeBillingKeyInput {
  customerKey: string;
  amount: number;
  orderId: string;
  orderName: string;
  idempotencyKey: string;
  customerEmail?: string;
  customerName?: string;
  taxFreeAmount?: number;
}

export interface TossClient {
  issueBillingKey(input: { authKey: string; customerKey: string }): Promise<TossBillingKey>;
  chargeBillingKey(billingKey: string, input: ChargeBillingKeyInput): Promise<TossPayment>;
  getPayment(paymentKey: string): Promise<TossPayment>;
  /** GET /v1/payments/orders/{orderId}: finds a payment by our order id. */
  getPaymentByOrderId(orderId: string): Promise<TossPayment>;
  cancelPayment(paymentKey: string, input: { cancelReason: string; idempotencyKey: string; cancelAmount?: number }): Promise<TossPayment>;
}

export function createTossClient(options: TossClientOptions): TossClient {
  if (!options.secretKey) throw new Error('createTossClient needs the Toss secret key (TOSS_SECRET_KEY)');
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const delays = options.retryDelaysMs ?? [300, 1000, 3000];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const authorization = `Basic ${Buffer.from(`${options.secretKey}:`, 'utf8').toString('base64')}`;

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 300)) {
      throw new Error('An Idempotency-Key must be 1–300 characters');
    }
    const headers: Record<string, string> = { Authorization: authorization, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const retrySafe = method === 'GET' || Boolean(idempotencyKey);

    let lastFailure: unknown;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${base}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
      } catch (cause) {
        lastFailure = cause;
        if (retrySafe && attempt < delays.length) {
          await sleep(delays[attempt]);
          continue;
        }
        throw new TossNetworkError(`Toss ${method} ${path} got no answer after ${attempt + 1} attempt(s)`, { cause });
      }
      const text = await response.text().catch((cause) => {
        lastFailure = cause;
        return null;
      });
      if (text === null) {
        // Headers arrived, then the connection dropped mid-body: same as no answer.
        if (retrySafe && attempt < delays.length) {
          await sleep(delays[attempt]);
          continue;
        }
        throw new TossNetworkError(`Toss ${method} ${path}: the connection dropped while reading the answer`, { cause: lastFailure });
      }
      if (response.ok) return parseJson<T>(text, method, path, response.status);
      const error = toTossError(response.status, text);
      if (response.status >= 500 && retrySafe && attempt < delays.length) {
        lastFailure = error;
        await sleep(delays[attempt]);
        continue;
      }
      throw error;
    }
  }

  return {
    issueBillingKey: ({ authKey, customerKey }) =>
      call<TossBillingKey>('POST', '/v1/billing/authorizations/issue', { authKey, customerKey }),
    chargeBillingKey: (billingKey, input) => {
      const { idempotencyKey, ...body } = input;
      return call<TossPayment>('POST', `/v1/billing/${encodeURIComponent(billingKey)}`, body, idempotencyKey);
    },
    getPayment: (paymentKey) => call<TossPayment>('GET', `/v1/payments/${encodeURIComponent(paymentKey)}`),
    getPaymentByOrderId: (orderId) => call<TossPayment>('GET', `/v1/payments/orders/${encodeURIComponent(orderId)}`),
    cancelPayment: (paymentKey, { idempotencyKey, ...body }) =>
      call<TossPayment>('POST', `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`, body, idempotencyKey),
  };
}

function parseJson<T>(text: string, method: string, path: string, status: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new TossError(status, 'INVALID_RESPONSE', `Toss ${method} ${path} answered with something that is not JSON`, { cause });
  }
}

function toTossError(status: number, text: string): TossError {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') return new TossError(status, body.code, typeof body.message === 'string' ? body.message : '');
  } catch {
    // not JSON: fall through
  }
  return new TossError(status, `HTTP_${status}`, text.slice(0, 200));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
