import type { ReactElement } from "react";
import { Link, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { describeError } from "../../api/errors";
import type { Order, OrderStatus } from "../../api/models";
import { useAllOrders } from "../../api/queries";
import { Empty, ErrorAlert, Skeleton, StatusBadge } from "../../components/Feedback";
import { usePageTitle } from "../../components/PageTitle";
import { useToast } from "../../components/Toast";
import { formatDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { ACTION_LABELS, LABELS, STATUSES, cancelKind, forwardMoves } from "../../lib/orderStatus";
import { CustomerCell } from "./CustomerCell";
import { useCustomerNames } from "./customers";

function OrderActions({ order }: { order: Order }): ReactElement {
  const queryClient = useQueryClient();
  const toast = useToast();
  const done = (updated: Order) => {
    toast(`Order #${updated.id}: ${LABELS[updated.status]}`);
    return queryClient.invalidateQueries({ queryKey: ["admin"] });
  };
  const fail = (error: unknown) => toast(`Order #${order.id}: ${describeError(error)}`, "danger");
  const move = useMutation({
    mutationFn: (status: OrderStatus) =>
      unwrap(
        api.order.PUT("/orders/{order_id}/status", {
          params: { path: { order_id: order.id } },
          body: { status },
        }),
      ),
    onSuccess: done,
    onError: fail,
  });
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(api.order.POST("/orders/{order_id}/cancel", { params: { path: { order_id: order.id } } })),
    onSuccess: done,
    onError: fail,
  });
  const busy = move.isPending || cancel.isPending;
  const kind = cancelKind(order.status);
  const moves = forwardMoves(order.status);
  if (moves.length === 0 && !kind) return <span className="muted small">No actions</span>;
  return (
    <div className="row-actions" role="group" aria-label={`Actions for order #${order.id}`}>
      {moves.map((status) => (
        <button
          key={status}
          type="button"
          className="button button-small"
          disabled={busy}
          onClick={() => move.mutate(status)}
        >
          {ACTION_LABELS[status] ?? LABELS[status]}
        </button>
      ))}
      {kind && (
        <button
          type="button"
          className="button button-small button-danger-outline"
          disabled={busy}
          onClick={() => cancel.mutate()}
        >
          {kind === "refund" ? "Refund" : "Cancel"}
        </button>
      )}
    </div>
  );
}

function isStatus(value: string | null): value is OrderStatus {
  return STATUSES.includes(value as OrderStatus);
}

export function AdminOrders(): ReactElement {
  usePageTitle("Orders");
  const [params, setParams] = useSearchParams();
  const raw = params.get("status");
  const status: OrderStatus | "" = isStatus(raw) ? raw : "";
  const focus = Number(params.get("focus"));
  const orders = useAllOrders(status, 200, true);
  const names = useCustomerNames(orders.data?.map((o) => o.user_id) ?? []);
  return (
    <>
      <div className="page-head">
        <h1>Orders</h1>
        <div className="field field-inline">
          <label htmlFor="status-filter">Status</label>
          <select
            id="status-filter"
            value={status}
            onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}
          >
            <option value="">All orders</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {LABELS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {orders.isError && <ErrorAlert error={orders.error} />}
      {orders.isPending && <Skeleton lines={8} />}
      {orders.data?.length === 0 && (
        <Empty icon="package" title={status ? `No ${LABELS[status].toLowerCase()} orders` : "No orders yet"}>
          {status && (
            <Link to="/admin/orders" className="button button-secondary">
              Show all orders
            </Link>
          )}
        </Empty>
      )}
      {orders.data && orders.data.length > 0 && (
        <div className="table-wrap" role="region" aria-label="Orders" tabIndex={0}>
          <table className="table" data-testid="admin-orders">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Customer</th>
                <th scope="col">Items</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {orders.data.map((order) => (
                <tr
                  key={order.id}
                  data-order-id={order.id}
                  className={order.id === focus ? "highlight" : undefined}
                >
                  <td>
                    <strong>#{order.id}</strong>
                    <div className="muted small">{formatDateTime(order.created_at)}</div>
                  </td>
                  <td>
                    <CustomerCell customer={names(order.user_id)} />
                  </td>
                  <td>
                    {order.items.map((line) => (
                      <div key={line.product_id} className="small">
                        {line.quantity} × {line.product_name}
                      </div>
                    ))}
                  </td>
                  <td className="num">{formatMoney(order.total_amount)}</td>
                  <td>
                    <StatusBadge status={order.status} />
                  </td>
                  <td>
                    <OrderActions order={order} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
