import { useEffect, useState, type ReactElement } from "react";
import { Link } from "react-router";
import type { Order, OrderStats, Product } from "../../api/models";
import { useAllOrders, useOrderStats, useProducts, useUsers } from "../../api/queries";
import { Empty, ErrorAlert, Skeleton, StatusBadge } from "../../components/Feedback";
import { Icon, type IconName } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { LOW_STOCK } from "../../components/ProductCard";
import { formatDateTime, formatTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";
import { LABELS, TONES } from "../../lib/orderStatus";
import { CustomerCell } from "./CustomerCell";
import { useCustomerNames } from "./customers";

function StatCard({
  label,
  value,
  hint,
  icon,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  icon: IconName;
  testId: string;
}): ReactElement {
  return (
    <div className="stat-card" data-testid={testId}>
      <span className="stat-icon">
        <Icon name={icon} />
      </span>
      <div>
        <p className="stat-label">{label}</p>
        <p className="stat-value">{value}</p>
        {hint && <p className="stat-hint">{hint}</p>}
      </div>
    </div>
  );
}

function StatusBars({ stats }: { stats: OrderStats }): ReactElement {
  const max = Math.max(1, ...stats.by_status.map((row) => row.count));
  return (
    <section className="panel" aria-labelledby="by-status-title">
      <h2 id="by-status-title">Orders by status</h2>
      <ul className="bars">
        {stats.by_status.map((row) => (
          <li key={row.status} data-status={row.status}>
            <span className="bar-label">{LABELS[row.status]}</span>
            <meter
              className={`bar bar-${TONES[row.status]}`}
              min={0}
              max={max}
              value={row.count}
              aria-label={`${LABELS[row.status]}: ${row.count}`}
            />
            <span className="bar-value">{row.count}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecentOrders({ orders }: { orders: Order[] }): ReactElement {
  const names = useCustomerNames(orders.map((o) => o.user_id));
  return (
    <section className="panel" aria-labelledby="recent-title">
      <div className="panel-head">
        <h2 id="recent-title">Recent orders</h2>
        <Link to="/admin/orders">View all</Link>
      </div>
      {orders.length === 0 ? (
        <Empty icon="package" title="No orders yet" />
      ) : (
        <div className="table-wrap" role="region" aria-labelledby="recent-title" tabIndex={0}>
          <table className="table" data-testid="recent-orders">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Customer</th>
                <th scope="col">Placed</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.id} data-order-id={order.id}>
                  <td>
                    <Link to={`/admin/orders?focus=${order.id}`}>#{order.id}</Link>
                  </td>
                  <td>
                    <CustomerCell customer={names(order.user_id)} />
                  </td>
                  <td>{formatDateTime(order.created_at)}</td>
                  <td className="num">{formatMoney(order.total_amount)}</td>
                  <td>
                    <StatusBadge status={order.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LowStock({ products }: { products: Product[] }): ReactElement {
  const low = products.filter((p) => p.stock <= LOW_STOCK).sort((a, b) => a.stock - b.stock);
  return (
    <section className="panel" aria-labelledby="low-stock-title">
      <div className="panel-head">
        <h2 id="low-stock-title">Low stock</h2>
        <Link to="/admin/products">Products</Link>
      </div>
      {low.length === 0 ? (
        <p className="muted">Every product has more than {LOW_STOCK} in stock.</p>
      ) : (
        <ul className="low-stock">
          {low.slice(0, 6).map((p) => (
            <li key={p.id}>
              <Link to={`/admin/products/${p.id}`}>{p.name}</Link>
              <span className={p.stock === 0 ? "stock stock-out" : "stock stock-low"}>
                {p.stock === 0 ? "Out of stock" : `${p.stock} left`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function LastUpdated({ at }: { at: number }): ReactElement {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <p className="muted live-note" data-testid="last-updated">
      <span className="live-dot" aria-hidden="true" /> Live · refreshes every 5 s · updated {formatTime(at)}
    </p>
  );
}

export function Dashboard(): ReactElement {
  usePageTitle("Dashboard");
  const stats = useOrderStats();
  const recent = useAllOrders("", 8, true);
  const products = useProducts({ limit: 500 });
  const users = useUsers();
  const customers = users.data?.filter((u) => u.role === "customer").length;
  const s = stats.data;
  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
        {stats.dataUpdatedAt > 0 && <LastUpdated at={stats.dataUpdatedAt} />}
      </div>
      {stats.isError && <ErrorAlert error={stats.error} title="Statistics are unavailable" />}
      {!s && stats.isPending && <Skeleton lines={4} />}
      {s && (
        <div className="stats-grid">
          <StatCard
            testId="stat-revenue"
            icon="chart"
            label="Revenue"
            value={formatMoney(s.revenue)}
            hint={`${formatMoney(s.revenue_last_24h)} in the last 24 h`}
          />
          <StatCard
            testId="stat-orders"
            icon="package"
            label="Orders"
            value={String(s.orders)}
            hint={`${s.orders_last_24h} in the last 24 h`}
          />
          <StatCard
            testId="stat-to-ship"
            icon="truck"
            label="To fulfil"
            value={String(
              s.by_status
                .filter((r) => r.status === "paid" || r.status === "processing")
                .reduce((n, r) => n + r.count, 0),
            )}
            hint="Paid or processing"
          />
          <StatCard
            testId="stat-aov"
            icon="tag"
            label="Average order"
            value={formatMoney(s.average_order_value)}
            hint={`${s.paid_orders} paid orders`}
          />
          <StatCard
            testId="stat-catalog"
            icon="store"
            label="Products"
            value={products.data ? `${products.data.length}${products.data.length === 500 ? "+" : ""}` : "…"}
            hint={customers !== undefined ? `${customers} customers` : undefined}
          />
        </div>
      )}
      <div className="dashboard-grid">
        <div>
          {recent.isError && <ErrorAlert error={recent.error} />}
          {recent.data ? <RecentOrders orders={recent.data} /> : <Skeleton lines={6} />}
        </div>
        <div>
          {s && <StatusBars stats={s} />}
          {products.data && <LowStock products={products.data} />}
        </div>
      </div>
    </>
  );
}
