// Loading, empty and error states, and status badges.
import type { ReactElement, ReactNode } from "react";
import type { OrderStatus } from "../api/models";
import { describeError } from "../api/errors";
import { LABELS, TONES, type Tone } from "../lib/orderStatus";
import { Icon, type IconName } from "./Icon";

export function Spinner({ label = "Loading" }: { label?: string }): ReactElement {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

export function Skeleton({ lines = 3 }: { lines?: number }): ReactElement {
  return (
    <div className="skeleton" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <span key={i} className="skeleton-line" />
      ))}
    </div>
  );
}

export function Empty({
  icon = "package",
  title,
  children,
}: {
  icon?: IconName;
  title: string;
  children?: ReactNode;
}): ReactElement {
  return (
    <div className="empty">
      <span className="empty-icon">
        <Icon name={icon} size={32} />
      </span>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Alert({
  tone = "danger",
  title,
  children,
}: {
  tone?: Tone;
  title?: string;
  children: ReactNode;
}): ReactElement {
  const icon: IconName = tone === "success" ? "check" : tone === "info" ? "refresh" : "alert";
  return (
    <div className={`alert alert-${tone}`} role={tone === "danger" ? "alert" : "status"}>
      <Icon name={icon} />
      <div>
        {title && <strong className="alert-title">{title}</strong>}
        <div>{children}</div>
      </div>
    </div>
  );
}

export function ErrorAlert({ error, title }: { error: unknown; title?: string }): ReactElement {
  return (
    <Alert tone="danger" title={title}>
      {describeError(error)}
    </Alert>
  );
}

export function StatusBadge({ status }: { status: OrderStatus }): ReactElement {
  return (
    <span className={`badge badge-${TONES[status]}`} data-status={status}>
      {LABELS[status]}
    </span>
  );
}

export function Badge({ tone, children }: { tone: Tone; children: ReactNode }): ReactElement {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
