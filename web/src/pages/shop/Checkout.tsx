import { useRef, useState, type FormEvent, type ReactElement } from "react";
import { Link, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError, describeError, isDeclined } from "../../api/errors";
import type { Order } from "../../api/models";
import { keys, useCart } from "../../api/queries";
import { useSession } from "../../auth/useSession";
import { Alert, Empty, ErrorAlert, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { CheckoutKeys, TEST_CARDS, createOrder, payOrder, type PaymentMethod } from "../../lib/checkout";
import { formatMoney } from "../../lib/money";
import { OrderSummary } from "./Cart";

export function PaymentMethods({
  value,
  onChange,
}: {
  value: PaymentMethod;
  onChange: (method: PaymentMethod) => void;
}): ReactElement {
  return (
    <fieldset className="payment-methods">
      <legend>Payment method</legend>
      {TEST_CARDS.map((card) => (
        <label key={card.method} className={`payment-option${value === card.method ? " selected" : ""}`}>
          <input
            type="radio"
            name="payment-method"
            value={card.method}
            checked={value === card.method}
            onChange={() => onChange(card.method)}
          />
          <Icon name="card" size={24} />
          <span>
            <strong>{card.label}</strong>
            <span className="muted block">{card.note}</span>
          </span>
        </label>
      ))}
      <p className="field-help">
        Payments are simulated: choose a test card. No card number is asked for or stored.
      </p>
    </fieldset>
  );
}

export function CheckoutPage(): ReactElement {
  usePageTitle("Checkout");
  const session = useSession();
  const cart = useCart();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const checkoutKeys = useRef(new CheckoutKeys());
  const [method, setMethod] = useState<PaymentMethod>("pm_card_success");
  const [order, setOrder] = useState<Order | null>(null);
  const userId = session?.userId ?? "";

  const placeAndPay = useMutation({
    mutationFn: async () => {
      const placed = order ?? (await createOrder(userId, checkoutKeys.current));
      setOrder(placed);
      void queryClient.invalidateQueries({ queryKey: keys.cart(userId) });
      return payOrder(placed.id, method, checkoutKeys.current);
    },
    onSuccess: async (paid) => {
      queryClient.setQueryData(keys.order(paid.id), paid);
      await queryClient.invalidateQueries({ queryKey: keys.orders(userId) });
      navigate(`/orders/${paid.id}?placed=1`, { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    placeAndPay.mutate();
  };

  if (cart.isError && !order) return <ErrorAlert error={cart.error} title="We couldn't load your cart" />;
  if (!cart.data && !order) return <Skeleton lines={6} />;
  const lines = order
    ? order.items.map((line) => ({
        id: line.product_id,
        name: line.product_name,
        quantity: line.quantity,
        price: line.price,
      }))
    : (cart.data?.items ?? []).map((item) => ({
        id: item.product_id,
        name: item.product_name,
        quantity: item.quantity,
        price: item.product_price,
      }));
  const total = order ? order.total_amount : (cart.data?.total ?? 0);
  if (lines.length === 0) {
    return (
      <>
        <h1>Checkout</h1>
        <Empty icon="cart" title="Your cart is empty">
          <p>Add something to your cart before checking out.</p>
          <Link to="/" className="button">
            Start shopping
          </Link>
        </Empty>
      </>
    );
  }
  const error = placeAndPay.error;
  const soldOut = error instanceof ApiError && error.status === 409 && !order;
  return (
    <>
      <h1>Checkout</h1>
      <form className="checkout-layout" onSubmit={submit}>
        <div className="checkout-main">
          {error && isDeclined(error) && order && (
            <Alert tone="danger" title="Payment declined">
              {describeError(error)} Your items stay reserved in order #{order.id} for a limited time.
            </Alert>
          )}
          {error && !isDeclined(error) && (
            <Alert tone="danger" title={soldOut ? "Out of stock" : "We couldn't complete your order"}>
              {describeError(error)} {soldOut && <Link to="/cart">Review your cart</Link>}
            </Alert>
          )}
          <section className="panel" aria-labelledby="review-title">
            <h2 id="review-title">{order ? `Order #${order.id}` : "Review your items"}</h2>
            <ul className="review-lines">
              {lines.map((line) => (
                <li key={line.id}>
                  <span>
                    {line.name} <span className="muted">× {line.quantity}</span>
                  </span>
                  <span>{formatMoney(line.price * line.quantity)}</span>
                </li>
              ))}
            </ul>
          </section>
          <section className="panel" aria-labelledby="payment-title">
            <h2 id="payment-title">Payment</h2>
            <PaymentMethods value={method} onChange={setMethod} />
          </section>
        </div>
        <OrderSummary subtotal={total}>
          <button type="submit" className="button button-block button-large" disabled={placeAndPay.isPending}>
            <Icon name="lock" size={18} />
            {placeAndPay.isPending
              ? "Processing…"
              : order
                ? `Pay ${formatMoney(total)}`
                : `Place order · ${formatMoney(total)}`}
          </button>
          <p className="field-help center">Stock is reserved as soon as you place your order.</p>
        </OrderSummary>
      </form>
    </>
  );
}
