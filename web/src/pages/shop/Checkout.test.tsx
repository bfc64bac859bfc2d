import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { sessionStore } from "../../auth/session";
import { fakeApi, fakeToken, order, renderApp } from "../../test/helpers";
import { CheckoutPage } from "./Checkout";

const CART = {
  user_id: "5",
  total: 64,
  items: [
    {
      id: 1,
      user_id: "5",
      product_id: 7,
      quantity: 2,
      product_name: "French Press",
      product_price: 32,
      created_at: "2026-11-24T10:00:00Z",
    },
  ],
};

function signedIn() {
  sessionStore.signIn(fakeToken({ sub: "5", role: "customer" }));
}

describe("checkout", () => {
  it("creates the order, pays it and shows the confirmation, each step idempotent", async () => {
    signedIn();
    const calls = fakeApi(({ method, path }) => {
      if (path === "/api/cart/cart/5") return { body: CART };
      if (method === "POST" && path === "/api/order/orders") return { status: 201, body: order() };
      if (path === "/api/order/orders/42/payment")
        return { body: order({ status: "paid", payment_id: "p1" }) };
      return undefined;
    });
    renderApp(<CheckoutPage />, { route: "/checkout", path: "/checkout" });
    await userEvent.click(await screen.findByRole("button", { name: "Place order · $64.00" }));
    expect(await screen.findByText("/orders/42?placed=1")).toBeTruthy();
    const created = calls.find((c) => c.path === "/api/order/orders");
    const paid = calls.find((c) => c.path === "/api/order/orders/42/payment");
    expect(created?.body).toEqual({ user_id: "5" });
    expect(created?.headers.get("idempotency-key")).toMatch(/^[0-9a-f]{32}$/);
    expect(paid?.body).toEqual({ payment_method: "pm_card_success" });
    expect(paid?.headers.get("idempotency-key")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("explains a declined card and pays the same order with another", async () => {
    signedIn();
    let orders = 0;
    const calls = fakeApi(({ method, path, body }) => {
      if (path === "/api/cart/cart/5") return { body: orders ? { ...CART, items: [], total: 0 } : CART };
      if (method === "POST" && path === "/api/order/orders") {
        orders += 1;
        return { status: 201, body: order() };
      }
      if (path === "/api/order/orders/42/payment") {
        const method = (body as { payment_method: string }).payment_method;
        return method === "pm_card_declined"
          ? { status: 400, body: { detail: "Payment failed" } }
          : { body: order({ status: "paid" }) };
      }
      return undefined;
    });
    renderApp(<CheckoutPage />, { route: "/checkout", path: "/checkout" });
    await userEvent.click(await screen.findByLabelText(/Visa ending 0002/));
    await userEvent.click(screen.getByRole("button", { name: "Place order · $64.00" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Payment declined");
    expect(alert.textContent).toContain("declined by the card issuer");
    expect(alert.textContent).toContain("reserved in order #42");
    // The emptied cart does not hide the order: it is still shown, and payable.
    expect(screen.getByRole("heading", { name: "Order #42" })).toBeTruthy();
    await userEvent.click(screen.getByLabelText(/Visa ending 4242/));
    await userEvent.click(screen.getByRole("button", { name: "Pay $64.00" }));
    expect(await screen.findByText("/orders/42?placed=1")).toBeTruthy();
    expect(orders).toBe(1); // one order, paid on the second try
    const keys = calls
      .filter((c) => c.path.endsWith("/payment"))
      .map((c) => c.headers.get("idempotency-key"));
    expect(new Set(keys).size).toBe(2); // another card is another charge attempt
  });

  it("says when stock ran out before the order was placed", async () => {
    signedIn();
    fakeApi(({ method, path }) => {
      if (path === "/api/cart/cart/5") return { body: CART };
      if (method === "POST" && path === "/api/order/orders") {
        return { status: 409, body: { detail: "Insufficient stock for product 7" } };
      }
      return undefined;
    });
    renderApp(<CheckoutPage />, { route: "/checkout", path: "/checkout" });
    await userEvent.click(await screen.findByRole("button", { name: "Place order · $64.00" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Out of stock");
    expect(alert.textContent).toContain("no longer in stock");
    expect(screen.getByRole("link", { name: "Review your cart" })).toBeTruthy();
  });
});
