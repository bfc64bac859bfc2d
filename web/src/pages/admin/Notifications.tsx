import { useState, type ReactElement } from "react";
import type { NotificationStatus } from "../../api/models";
import { useNotification, useNotifications } from "../../api/queries";
import { Badge, Empty, ErrorAlert, Skeleton } from "../../components/Feedback";
import { usePageTitle } from "../../components/PageTitle";
import { formatDateTime } from "../../lib/dates";

const KIND_LABELS: Record<string, string> = {
  order_confirmation: "Order confirmation",
  payment_receipt: "Payment receipt",
  shipped: "Shipped",
  cancelled: "Cancelled",
  refunded: "Refunded",
  payment_refunded: "Payment refunded",
};

const STATUS_TONES = { pending: "warning", sent: "success", failed: "danger" } as const;
const STATUS_LABELS = { pending: "Pending", sent: "Sent", failed: "Failed" } as const;

function Detail({ id, onClose }: { id: number; onClose: () => void }): ReactElement {
  const notification = useNotification(id);
  return (
    <section className="panel notification-detail" aria-labelledby="notification-title">
      <div className="panel-head">
        <h2 id="notification-title">{notification.data?.subject ?? "E-mail"}</h2>
        <button type="button" className="button button-small button-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {notification.isError && <ErrorAlert error={notification.error} />}
      {notification.isPending && <Skeleton lines={5} />}
      {notification.data && (
        <>
          <dl className="meta">
            <div>
              <dt>To</dt>
              <dd>{notification.data.recipient ?? "waiting for the address"}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <Badge tone={STATUS_TONES[notification.data.status]}>
                  {STATUS_LABELS[notification.data.status]}
                </Badge>
                {notification.data.last_error && (
                  <span className="field-error"> {notification.data.last_error}</span>
                )}
              </dd>
            </div>
          </dl>
          <pre className="mail-body">{notification.data.body}</pre>
        </>
      )}
    </section>
  );
}

export function AdminNotifications(): ReactElement {
  usePageTitle("Notifications");
  const [status, setStatus] = useState<NotificationStatus | "">("");
  const [open, setOpen] = useState<number | null>(null);
  const notifications = useNotifications(status);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Notifications</h1>
          <p className="muted">E-mails sent to customers on order events.</p>
        </div>
        <div className="field field-inline">
          <label htmlFor="notification-status">Status</label>
          <select
            id="notification-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as NotificationStatus | "")}
          >
            <option value="">All</option>
            <option value="sent">Sent</option>
            <option value="pending">Pending</option>
            <option value="failed">Failed</option>
          </select>
        </div>
      </div>
      {notifications.isError && <ErrorAlert error={notifications.error} />}
      {notifications.isPending && <Skeleton lines={8} />}
      {notifications.data?.length === 0 && <Empty icon="mail" title="No e-mails yet" />}
      <div className="split">
        {notifications.data && notifications.data.length > 0 && (
          <div className="table-wrap" role="region" aria-label="E-mails" tabIndex={0}>
            <table className="table" data-testid="admin-notifications">
              <thead>
                <tr>
                  <th scope="col">Subject</th>
                  <th scope="col">Type</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {notifications.data.map((n) => (
                  <tr key={n.id} className={open === n.id ? "highlight" : undefined}>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => setOpen(n.id)}
                        aria-expanded={open === n.id}
                      >
                        {n.subject}
                      </button>
                    </td>
                    <td>{KIND_LABELS[n.kind] ?? n.kind}</td>
                    <td>{n.recipient ?? <span className="muted">—</span>}</td>
                    <td>
                      <Badge tone={STATUS_TONES[n.status]}>{STATUS_LABELS[n.status]}</Badge>
                    </td>
                    <td className="small">{formatDateTime(n.sent_at ?? n.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {open !== null && <Detail id={open} onClose={() => setOpen(null)} />}
      </div>
    </>
  );
}
