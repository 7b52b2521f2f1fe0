// "카드 등록/변경": opens Toss's card authentication window (the Toss Payments SDK, loaded only
// in the browser, only when the button is pressed). Toss then sends the browser to
// /billing/card/success?authKey&customerKey (the server issues the billing key) or to
// /billing/card/fail?code&message.
import { useState } from 'react';

export interface CardRegistrationProps {
  clientKey: string;
  customerKey: string;
  customerEmail: string;
  customerName: string;
  label: string;
}

export function CardRegistrationButton({ clientKey, customerKey, customerEmail, customerName, label }: CardRegistrationProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function openTossWindow() {
    setBusy(true);
    setError(null);
    try {
      const { loadTossPayments } = await import('@tosspayments/tosspayments-sdk');
      const tossPayments = await loadTossPayments(clientKey);
      const payment = tossPayments.payment({ customerKey });
      await payment.requestBillingAuth({
        method: 'CARD',
        successUrl: `${window.location.origin}/billing/card/success`,
        failUrl: `${window.location.origin}/billing/card/fail`,
        customerEmail,
        customerName,
      });
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      setError(
        code === 'USER_CANCEL'
          ? '카드 등록 창을 닫으셨습니다. 카드를 등록하려면 다시 눌러 주세요.'
          : '토스페이먼츠 카드 등록 창을 열지 못했습니다. 인터넷 연결을 확인하고 잠시 후 다시 시도해 주세요.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card-registration">
      <button type="button" className="button" onClick={() => void openTossWindow()} disabled={busy} data-customer-key={customerKey}>
        {busy ? '카드 등록 창을 여는 중…' : label}
      </button>
      {error ? (
        <p className="alert alert-error small" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
