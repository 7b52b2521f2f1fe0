// Test support: a local stand-in for the Toss Payments core API that checks each request the
// way Toss does, so a client that works here works there (only the base URL differs).
//   - Basic auth of "<secretKey>:" (trailing colon) or 401 UNAUTHORIZED_KEY
//   - required fields and their types/sizes (orderId 6–64 of [A-Za-z0-9_-], orderName ≤ 100,
//     integer amount ≥ 100 for cards, customerKey 2–300) or 400 INVALID_REQUEST
//   - Idempotency-Key (≤ 300 chars): same key + same body → the stored first answer; same key +
//     different body → 422; per secret key, method and path, like Toss
//   - DUPLICATED_ORDER_ID for an orderId already approved, NOT_MATCHES_CUSTOMER_KEY
//   - declining cards (REJECT_CARD_COMPANY), one-shot 5xx failures, and a mode that DROPS THE
//     CONNECTION after the charge was made (the worst case for a client)
// It records every approved charge so tests can count them.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TossPayment } from '../toss-client.ts';

export interface ContractCard {
  company: string;
  number: string;
  issuerCode: string;
  /** Charges on this card are declined with this code (e.g. 'REJECT_CARD_COMPANY'). */
  declineWith?: string | null;
}

export interface RecordedCharge {
  billingKey: string;
  customerKey: string;
  orderId: string;
  amount: number;
  paymentKey: string;
  idempotencyKey: string | null;
}

export interface TossContractServer {
  url: string;
  secretKey: string;
  /** Stands in for the browser step (requestBillingAuth → successUrl?authKey&customerKey). */
  createAuthKey(customerKey: string, card?: Partial<ContractCard>): string;
  /** Makes every later charge on this billing key decline (or succeed again with null). */
  setDecline(billingKey: string, code: string | null): void;
  /** The next `count` charges are made and stored, then the socket is destroyed unanswered. */
  dropConnectionAfterCharge(count?: number): void;
  /** The next `count` requests (any route) answer 500 without doing anything. */
  failNextRequests(count: number): void;
  /** Approved charges (replays are not charges). */
  readonly charges: RecordedCharge[];
  /** Every request that reached a route (after auth), for asserting what the client sent. */
  readonly requests: { method: string; path: string; idempotencyKey: string | null }[];
  billingKeys(): string[];
  payment(paymentKey: string): TossPayment | undefined;
  close(): Promise<void>;
}

interface StoredAnswer {
  bodyHash: string;
  status: number;
  body: unknown;
}

const ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;
const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.@]{2,300}$/;

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export async function startTossContractServer(options: { secretKey?: string } = {}): Promise<TossContractServer> {
  const secretKey = options.secretKey ?? `test_sk_${randomBytes(12).toString('hex')}`;
  const expectedAuth = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
  const authKeys = new Map<string, { customerKey: string; card: ContractCard }>();
  const billing = new Map<string, { customerKey: string; card: ContractCard; authenticatedAt: string }>();
  const payments = new Map<string, TossPayment>();
  const approvedOrderIds = new Set<string>();
  const idempotent = new Map<string, StoredAnswer>();
  const inFlight = new Set<string>();
  const charges: RecordedCharge[] = [];
  const requests: TossContractServer['requests'] = [];
  let dropAfterCharge = 0;
  let failRequests = 0;

  function route(method: string, path: string, body: Record<string, unknown>, idempotencyKey: string | null): { status: number; body: unknown } {
    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/billing/authorizations/issue') return issueBillingKey(body);
    if (method === 'POST' && (match = /^\/v1\/billing\/([^/]+)$/.exec(path))) {
      return chargeBillingKey(decodeURIComponent(match[1]), body, idempotencyKey);
    }
    if (method === 'GET' && (match = /^\/v1\/payments\/orders\/([^/]+)$/.exec(path))) {
      const orderId = decodeURIComponent(match[1]);
      const payment = [...payments.values()].find((p) => p.orderId === orderId);
      if (!payment) throw new ApiError(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
      return { status: 200, body: payment };
    }
    if (method === 'GET' && (match = /^\/v1\/payments\/([^/]+)$/.exec(path))) {
      const payment = payments.get(decodeURIComponent(match[1]));
      if (!payment) throw new ApiError(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
      return { status: 200, body: payment };
    }
    if (method === 'POST' && (match = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(path))) {
      return cancelPayment(decodeURIComponent(match[1]), body);
    }
    throw new ApiError(404, 'NOT_FOUND', '존재하지 않는 정보 입니다.');
  }

  function issueBillingKey(body: Record<string, unknown>) {
    requireString(body, 'authKey', 1, 300);
    requireCustomerKey(body);
    const auth = authKeys.get(body.authKey as string);
    if (!auth) throw new ApiError(400, 'INVALID_AUTHORIZE_AUTH', '유효하지 않은 인증 방식입니다.');
    if (auth.customerKey !== body.customerKey) {
      throw new ApiError(400, 'NOT_MATCHES_CUSTOMER_KEY', '빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.');
    }
    authKeys.delete(body.authKey as string); // an authKey is used once
    const billingKey = `bk_${randomBytes(16).toString('base64url')}`;
    const authenticatedAt = kst(new Date());
    billing.set(billingKey, { customerKey: auth.customerKey, card: auth.card, authenticatedAt });
    return {
      status: 200,
      body: {
        mId: 'tosspayments',
        customerKey: auth.customerKey,
        authenticatedAt,
        method: '카드',
        billingKey,
        cardCompany: auth.card.company,
        cardNumber: auth.card.number,
        card: { issuerCode: auth.card.issuerCode, acquirerCode: auth.card.issuerCode, number: auth.card.number, cardType: '신용', ownerType: '개인' },
      },
    };
  }

  function chargeBillingKey(billingKey: string, body: Record<string, unknown>, idempotencyKey: string | null) {
    requireCustomerKey(body);
    if (typeof body.amount !== 'number' || !Number.isInteger(body.amount)) {
      throw new ApiError(400, 'INVALID_REQUEST', 'amount는 정수(number)여야 합니다.');
    }
    if (body.amount < 100) throw new ApiError(400, 'BELOW_MINIMUM_AMOUNT', '신용카드는 결제금액이 100원 이상부터 결제가 가능합니다.');
    requireString(body, 'orderId', 6, 64);
    if (!ORDER_ID.test(body.orderId as string)) {
      throw new ApiError(400, 'INVALID_REQUEST', 'orderId는 영문 대소문자, 숫자, -, _ 로 이루어진 6자 이상 64자 이하의 문자열이어야 합니다.');
    }
    requireString(body, 'orderName', 1, 100);
    const key = billing.get(billingKey);
    if (!key) throw new ApiError(404, 'NOT_FOUND_BILLING_KEY', '존재하지 않는 빌링키 입니다.');
    if (key.customerKey !== body.customerKey) {
      throw new ApiError(400, 'NOT_MATCHES_CUSTOMER_KEY', '빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.');
    }
    if (approvedOrderIds.has(body.orderId as string)) {
      throw new ApiError(400, 'DUPLICATED_ORDER_ID', '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.');
    }
    if (key.card.declineWith) throw new ApiError(403, key.card.declineWith, '결제 승인이 거절되었습니다.');
    const now = kst(new Date());
    const amount = body.amount;
    const vat = Math.round(amount / 11);
    const payment: TossPayment = {
      mId: 'tosspayments',
      version: '2022-11-16',
      paymentKey: `pay_${randomBytes(16).toString('base64url')}`,
      orderId: body.orderId as string,
      orderName: body.orderName as string,
      status: 'DONE',
      method: '카드',
      type: 'BILLING',
      currency: 'KRW',
      requestedAt: now,
      approvedAt: now,
      totalAmount: amount,
      balanceAmount: amount,
      suppliedAmount: amount - vat,
      vat,
      card: { issuerCode: key.card.issuerCode, number: key.card.number, cardType: '신용', ownerType: '개인', amount },
      cancels: null,
      failure: null,
      receipt: { url: `https://dashboard.tosspayments.com/receipt/redirection?transactionId=${randomBytes(8).toString('hex')}` },
    };
    payments.set(payment.paymentKey, payment);
    approvedOrderIds.add(payment.orderId);
    charges.push({ billingKey, customerKey: key.customerKey, orderId: payment.orderId, amount, paymentKey: payment.paymentKey, idempotencyKey });
    return { status: 200, body: payment };
  }

  function cancelPayment(paymentKey: string, body: Record<string, unknown>) {
    requireString(body, 'cancelReason', 1, 200);
    if (body.cancelAmount !== undefined && (typeof body.cancelAmount !== 'number' || !Number.isInteger(body.cancelAmount) || body.cancelAmount <= 0)) {
      throw new ApiError(400, 'INVALID_REQUEST', 'cancelAmount는 0보다 큰 정수(number)여야 합니다.');
    }
    const payment = payments.get(paymentKey);
    if (!payment) throw new ApiError(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
    if (payment.status === 'CANCELED') throw new ApiError(400, 'ALREADY_CANCELED_PAYMENT', '이미 취소된 결제 입니다.');
    const balance = payment.balanceAmount ?? payment.totalAmount;
    const cancelAmount = (body.cancelAmount as number | undefined) ?? balance;
    if (cancelAmount > balance) throw new ApiError(400, 'NOT_CANCELABLE_AMOUNT', '취소 할 수 없는 금액 입니다.');
    const cancels = [...(payment.cancels ?? []), { cancelAmount, cancelReason: body.cancelReason as string, canceledAt: kst(new Date()), transactionKey: randomBytes(16).toString('hex') }];
    const updated: TossPayment = {
      ...payment,
      cancels,
      balanceAmount: balance - cancelAmount,
      status: balance - cancelAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED',
    };
    payments.set(paymentKey, updated);
    return { status: 200, body: updated };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://contract').pathname;
      if (req.headers.authorization !== expectedAuth) {
        send(401, { code: 'UNAUTHORIZED_KEY', message: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.' });
        return;
      }
      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      requests.push({ method, path, idempotencyKey });
      if (failRequests > 0) {
        failRequests--;
        send(500, { code: 'FAILED_INTERNAL_SYSTEM_PROCESSING', message: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.' });
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      if (method === 'POST') {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          send(400, { code: 'INVALID_REQUEST', message: 'Content-Type은 application/json 이어야 합니다.' });
          return;
        }
        try {
          const parsed: unknown = JSON.parse(raw);
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
          body = parsed as Record<string, unknown>;
        } catch {
          send(400, { code: 'INVALID_REQUEST', message: '잘못된 요청입니다. (JSON 본문)' });
          return;
        }
      }
      if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > 300)) {
        send(400, { code: 'INVALID_REQUEST', message: '멱등키는 300자 이하여야 합니다.' });
        return;
      }
      const scope = idempotencyKey && method === 'POST' ? `${secretKey}|${method}|${path}|${idempotencyKey}` : null;
      const bodyHash = createHash('sha256').update(raw).digest('hex');
      if (scope) {
        const stored = idempotent.get(scope);
        if (stored) {
          if (stored.bodyHash !== bodyHash) {
            send(422, { code: 'INVALID_REQUEST', message: '같은 멱등키로 다른 요청을 보낼 수 없습니다. 새 멱등키를 사용해주세요.' });
          } else {
            send(stored.status, stored.body);
          }
          return;
        }
        if (inFlight.has(scope)) {
          send(409, { code: 'IDEMPOTENT_REQUEST_PROCESSING', message: '이전 멱등 요청이 처리중입니다.' });
          return;
        }
        inFlight.add(scope);
      }
      let answer: { status: number; body: unknown };
      try {
        answer = route(method, path, body, idempotencyKey);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        answer = { status: error.status, body: { code: error.code, message: error.message } };
      } finally {
        if (scope) inFlight.delete(scope);
      }
      // Toss replays the first answer for a key — successes and declines alike (not 5xx).
      if (scope && answer.status < 500) idempotent.set(scope, { bodyHash, ...answer });
      const isCharge = method === 'POST' && /^\/v1\/billing\/(?!authorizations\/)[^/]+$/.test(path) && answer.status === 200;
      if (isCharge && dropAfterCharge > 0) {
        dropAfterCharge--;
        req.socket.destroy(); // the charge happened; the client never hears about it
        return;
      }
      send(answer.status, answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    createAuthKey(customerKey, card = {}) {
      const authKey = `auth_${randomBytes(12).toString('hex')}`;
      authKeys.set(authKey, {
        customerKey,
        card: { company: card.company ?? '현대', number: card.number ?? '433012******1234', issuerCode: card.issuerCode ?? '61', declineWith: card.declineWith ?? null },
      });
      return authKey;
    },
    setDecline(billingKey, code) {
      const key = billing.get(billingKey);
      if (!key) throw new Error(`contract server: unknown billing key ${billingKey}`);
      key.card = { ...key.card, declineWith: code };
    },
    dropConnectionAfterCharge(count = 1) {
      dropAfterCharge = count;
    },
    failNextRequests(count) {
      failRequests = count;
    },
    charges,
    requests,
    billingKeys: () => [...billing.keys()],
    payment: (paymentKey) => payments.get(paymentKey),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function requireString(body: Record<string, unknown>, field: string, min: number, max: number): void {
  const value = body[field];
  if (value === undefined || value === null) throw new ApiError(400, 'INVALID_REQUEST', `${field}는 필수 파라미터입니다.`);
  if (typeof value !== 'string') throw new ApiError(400, 'INVALID_REQUEST', `${field}는 문자열이어야 합니다.`);
  if (value.length < min || value.length > max) throw new ApiError(400, 'INVALID_REQUEST', `${field}는 ${min}자 이상 ${max}자 이하여야 합니다.`);
}

function requireCustomerKey(body: Record<string, unknown>): void {
  requireString(body, 'customerKey', 2, 300);
  if (!CUSTOMER_KEY.test(body.customerKey as string)) {
    throw new ApiError(400, 'INVALID_REQUEST', 'customerKey는 영문 대소문자, 숫자, 특수문자 -, _, =, ., @ 로 이루어져야 합니다.');
  }
}

/** Toss writes times in Korea time with an offset: 2026-11-28T16:20:00+09:00. */
function kst(date: Date): string {
  return new Date(date.getTime() + 9 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+09:00');
}
