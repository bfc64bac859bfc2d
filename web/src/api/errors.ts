// Errors from the services, turned into messages a shopper can act on.

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;

  constructor(status: number, detail: string) {
    super(detail || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

export const OFFLINE = "We couldn't reach the shop. Check your connection and try again.";
export const UNAVAILABLE = "The shop is having trouble right now. Please try again in a moment.";
export const DECLINED =
  "Your payment was declined by the card issuer. No money was taken — try another payment method.";
export const SOLD_OUT =
  "Sorry — some items in your cart are no longer in stock in that quantity. Update your cart and try again.";
export const NOT_ENOUGH_STOCK = "Sorry, there isn't enough stock for that quantity.";

export function detailOf(body: unknown): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
  }
  return "";
}

/** What to tell the person about `error` (any thrown value). */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error && error.message ? error.message : UNAVAILABLE;
  }
  const { status, detail } = error;
  if (status === 0) return OFFLINE;
  if (status === 401) return detail === "Incorrect email or password" ? detail : "Please sign in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 429) return detail || "Too many attempts. Please wait a moment and try again.";
  if (status >= 500) return UNAVAILABLE;
  if (detail === "Payment failed") return DECLINED;
  if (/insufficient stock/i.test(detail)) return status === 409 ? SOLD_OUT : NOT_ENOUGH_STOCK;
  return detail || `Something went wrong (HTTP ${status}).`;
}

export function isDeclined(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && error.detail === "Payment failed";
}
