// Checkout: create the order (stock reserved, cart emptied), then pay it. Each step carries an
// Idempotency-Key, so a retry after a lost answer never makes a second order or charge.
import { api, unwrap } from "../api/client";
import type { Order } from "../api/models";
import { newIdempotencyKey } from "./ids";

export const TEST_CARDS = [
  { method: "pm_card_success", label: "Visa ending 4242", note: "Test card: always approved" },
  { method: "pm_card_declined", label: "Visa ending 0002", note: "Test card: always declined" },
] as const;

export type PaymentMethod = (typeof TEST_CARDS)[number]["method"];

export class CheckoutKeys {
  order = newIdempotencyKey();
  private payments = new Map<string, string>();

  /** One key per (order, method): retrying the same payment replays it; a new method is a new charge. */
  payment(orderId: number, method: string): string {
    const id = `${orderId}:${method}`;
    let key = this.payments.get(id);
    if (!key) {
      key = newIdempotencyKey();
      this.payments.set(id, key);
    }
    return key;
  }
}

export async function createOrder(userId: string, keys: CheckoutKeys): Promise<Order> {
  return unwrap(
    api.order.POST("/orders", {
      body: { user_id: userId },
      params: { header: { "Idempotency-Key": keys.order } },
    }),
  );
}

export async function payOrder(orderId: number, method: PaymentMethod, keys: CheckoutKeys): Promise<Order> {
  return unwrap(
    api.order.POST("/orders/{order_id}/payment", {
      params: { path: { order_id: orderId }, header: { "Idempotency-Key": keys.payment(orderId, method) } },
      body: { payment_method: method },
    }),
  );
}
