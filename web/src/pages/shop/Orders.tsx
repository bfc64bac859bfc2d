import { useRef, useState, type ReactElement } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { ApiError, describeError } from "../../api/errors";
import type { Order } from "../../api/models";
import { keys, useMyOrders, useOrder } from "../../api/queries";
import { useSession } from "../../auth/useSession";
import { Alert, Empty, ErrorAlert, Skeleton, StatusBadge } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { CheckoutKeys, payOrder, type PaymentMethod } from "../../lib/checkout";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { JOURNEY, LABELS, isPayable, journeyStep } from "../../lib/orderStatus";
import { NotFound } from "../NotFound";
import { PaymentMethods } from "./Checkout";

function itemsSummary(order: Order): string {
  const count = order.items.reduce((n, line) => n + line.quantity, 0);
  const first = order.items[0]?.product_name ?? "";
  return order.items.length > 1
    ? `${first} and ${order.items.length - 1} more (${count} items)`
    : `${first} (${count})`;
}

export function OrdersPage(): ReactElement {
  usePageTitle("Your orders");
  const orders = useMyOrders();
  return (
    <>
      <div className="page-head">
        <h1>Your orders</h1>
        <p className="muted live-note">
          <span className="live-dot" aria-hidden="true" /> Status updates automatically
        </p>
      </div>
      {orders.isError && <ErrorAlert error={orders.error} title="We couldn't load your orders" />}
      {orders.isPending && <Skeleton lines={6} />}
      {orders.data?.length === 0 && (
        <Empty icon="package" title="No orders yet">
          <p>When you place an order, you can follow it here.</p>
          <Link to="/" className="button">
            Start shopping
          </Link>
        </Empty>
      )}
      {orders.data && orders.data.length > 0 && (
        <ul className="order-list">
          {orders.data.map((order) => (
            <li key={order.id} className="order-row" data-order-id={order.id}>
              <div>
                <Link to={`/orders/${order.id}`} className="order-row-title">
                  Order #{order.id}
                </Link>
                <p className="muted">{formatDateTime(order.created_at)}</p>
              </div>
              <p className="order-row-items">{itemsSummary(order)}</p>
              <span className="order-row-total">{formatMoney(order.total_amount)}</span>
              <StatusBadge status={order.status} />
              <Link to={`/orders/${order.id}`} className="icon-button" aria-label={`View order #${order.id}`}>
                <Icon name="chevronRight" />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Progress({ order }: { order: Order }): ReactElement {
  const step = journeyStep(order.status);
  if (step < 0) {
    return (
      <Alert tone={order.status === "refunded" ? "info" : "warning"} title={LABELS[order.status]}>
        {order.status === "refunded"
          ? "This order was cancelled after payment and refunded in full."
          : "This order was cancelled and nothing was charged."}
      </Alert>
    );
  }
  return (
    <ol className="progress" aria-label="Order progress">
      {JOURNEY.map((status, index) => (
        <li
          key={status}
          className={index < step ? "done" : index === step ? "current" : ""}
          aria-current={index === step ? "step" : undefined}
        >
          <span className="progress-dot" aria-hidden="true">
            {index < step ? <Icon name="check" size={14} /> : index + 1}
          </span>
          <span className="progress-label">{LABELS[status]}</span>
        </li>
      ))}
    </ol>
  );
}

function PayNow({ order }: { order: Order }): ReactElement {
  const session = useSession();
  const queryClient = useQueryClient();
  const checkoutKeys = useRef(new CheckoutKeys());
  const [method, setMethod] = useState<PaymentMethod>("pm_card_success");
  const refresh = (updated: Order) => {
    queryClient.setQueryData(keys.order(order.id), updated);
    return queryClient.invalidateQueries({ queryKey: keys.orders(session?.userId ?? "") });
  };
  const pay = useMutation({
    mutationFn: () => payOrder(order.id, method, checkoutKeys.current),
    onSuccess: refresh,
  });
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(api.order.POST("/orders/{order_id}/cancel", { params: { path: { order_id: order.id } } })),
    onSuccess: refresh,
  });
  return (
    <section className="panel" aria-labelledby="pay-title">
      <h2 id="pay-title">Complete your payment</h2>
      <p className="muted">
        Your items are reserved for a limited time. Unpaid orders are cancelled automatically.
      </p>
      {pay.isError && (
        <Alert tone="danger" title="Payment failed">
          {describeError(pay.error)}
        </Alert>
      )}
      {cancel.isError && <ErrorAlert error={cancel.error} />}
      <PaymentMethods value={method} onChange={setMethod} />
      <div className="actions">
        <button type="button" className="button" disabled={pay.isPending} onClick={() => pay.mutate()}>
          <Icon name="lock" size={18} />
          {pay.isPending ? "Processing…" : `Pay ${formatMoney(order.total_amount)}`}
        </button>
        <button
          type="button"
          className="button button-secondary"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate()}
        >
          Cancel order
        </button>
      </div>
    </section>
  );
}

export function OrderPage(): ReactElement {
  const id = Number(useParams().id);
  const [params] = useSearchParams();
  const order = useOrder(id);
  usePageTitle(`Order #${id}`);
  if (!Number.isInteger(id) || id < 1 || (order.error instanceof ApiError && order.error.status === 404)) {
    return <NotFound what="order" />;
  }
  if (order.isError && !order.data)
    return <ErrorAlert error={order.error} title="We couldn't load this order" />;
  if (!order.data) return <Skeleton lines={8} />;
  const o = order.data;
  const placed = params.get("placed") === "1";
  return (
    <>
      <Link to="/orders" className="back-link">
        <Icon name="arrowLeft" size={18} /> All orders
      </Link>
      {placed && o.status !== "cancelled" && (
        <Alert tone="success" title="Thank you for your order!">
          Order #{o.id} is confirmed and paid. We'll email you when it ships.
        </Alert>
      )}
      <div className="page-head">
        <div>
          <h1>Order #{o.id}</h1>
          <p className="muted">Placed {formatDateTime(o.created_at)}</p>
        </div>
        <div className="order-status" aria-live="polite">
          <span className="visually-hidden">Status: </span>
          <StatusBadge status={o.status} />
        </div>
      </div>
      <Progress order={o} />
      {isPayable(o.status) && <PayNow order={o} />}
      <section className="panel" aria-labelledby="items-title">
        <h2 id="items-title">Items</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col" className="num">
                Qty
              </th>
              <th scope="col" className="num">
                Subtotal
              </th>
            </tr>
          </thead>
          <tbody>
            {o.items.map((line) => (
              <tr key={line.product_id}>
                <td>
                  <Link to={`/products/${line.product_id}`}>{line.product_name}</Link>
                </td>
                <td className="num">{formatMoney(line.price)}</td>
                <td className="num">{line.quantity}</td>
                <td className="num">{formatMoney(line.price * line.quantity)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td className="num strong">{formatMoney(o.total_amount)}</td>
            </tr>
          </tfoot>
        </table>
      </section>
    </>
  );
}
