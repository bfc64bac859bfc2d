// The order state machine as the order service enforces it (README, "Order states"); the UI
// offers only the moves the service would accept.
import type { OrderStatus } from "../api/models";

export const STATUSES: readonly OrderStatus[] = [
  "pending",
  "confirmed",
  "paid",
  "processing",
  "shipped",
  "delivered",
  "cancelled",
  "refunded",
];

const MOVES: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["confirmed", "paid", "cancelled"],
  confirmed: ["paid", "cancelled"],
  paid: ["processing", "refunded"],
  processing: ["shipped", "refunded"],
  shipped: ["delivered"],
  delivered: [],
  cancelled: [],
  refunded: [],
};

export const LABELS: Record<OrderStatus, string> = {
  pending: "Awaiting payment",
  confirmed: "Confirmed",
  paid: "Paid",
  processing: "Processing",
  shipped: "Shipped",
  delivered: "Delivered",
  cancelled: "Cancelled",
  refunded: "Refunded",
};

export type Tone = "neutral" | "info" | "success" | "warning" | "danger";

export const TONES: Record<OrderStatus, Tone> = {
  pending: "warning",
  confirmed: "info",
  paid: "info",
  processing: "info",
  shipped: "info",
  delivered: "success",
  cancelled: "neutral",
  refunded: "danger",
};

/** What an admin moves forward by hand with `PUT /orders/{id}/status` (never `paid`: only a
 * payment does that; cancel and refund go through `POST /orders/{id}/cancel`). */
export function forwardMoves(status: OrderStatus): OrderStatus[] {
  return MOVES[status].filter((s) => s !== "paid" && s !== "cancelled" && s !== "refunded");
}

/** `POST /orders/{id}/cancel` cancels an unpaid order and refunds a paid one (admin). */
export function cancelKind(status: OrderStatus): "cancel" | "refund" | null {
  if (MOVES[status].includes("cancelled")) return "cancel";
  if (MOVES[status].includes("refunded")) return "refund";
  return null;
}

export function isPayable(status: OrderStatus): boolean {
  return MOVES[status].includes("paid");
}

export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return MOVES[from].includes(to);
}

export const ACTION_LABELS: Partial<Record<OrderStatus, string>> = {
  confirmed: "Confirm",
  processing: "Start processing",
  shipped: "Mark shipped",
  delivered: "Mark delivered",
};

/** The happy path shown as a progress tracker to the customer. */
export const JOURNEY: readonly OrderStatus[] = ["pending", "paid", "processing", "shipped", "delivered"];

/** How far along the journey `status` is (-1 when it left it: cancelled, refunded). */
export function journeyStep(status: OrderStatus): number {
  if (status === "confirmed") return 0;
  return JOURNEY.indexOf(status);
}

/** Still changing: worth polling. */
export function isOpen(status: OrderStatus): boolean {
  return MOVES[status].length > 0;
}
