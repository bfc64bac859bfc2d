import { describe, expect, it, vi } from "vitest";
import { sessionStore, EXPIRED_NOTICE } from "../auth/session";
import { fakeApi, fakeToken, PRODUCT } from "../test/helpers";
import { api, unwrap } from "./client";
import { ApiError } from "./errors";

describe("the API client", () => {
  it("calls the service through the gateway with the session's token", async () => {
    const token = fakeToken({ sub: "9", role: "customer" });
    sessionStore.signIn(token);
    const calls = fakeApi(({ path }) => (path === "/api/catalog/products" ? { body: [PRODUCT] } : undefined));
    const products = await unwrap(
      api.catalog.GET("/products", { params: { query: { q: "press", limit: 13 } } }),
    );
    expect(products).toEqual([PRODUCT]);
    expect(calls[0]?.search).toBe("?q=press&limit=13");
    expect(calls[0]?.headers.get("authorization")).toBe(`Bearer ${token}`);
  });

  it("turns an error answer into an ApiError with the service's detail", async () => {
    fakeApi(() => ({ status: 409, body: { detail: "Insufficient stock for product 3" } }));
    const failure = unwrap(api.order.POST("/orders", { body: { user_id: "9" } }));
    await expect(failure).rejects.toEqual(new ApiError(409, "Insufficient stock for product 3"));
  });

  it("signs out with a notice when the services refuse the token", async () => {
    sessionStore.signIn(fakeToken({ sub: "9", role: "customer" }));
    fakeApi(() => ({ status: 401, body: { detail: "Invalid token" } }));
    await expect(unwrap(api.users.GET("/users/me"))).rejects.toBeInstanceOf(ApiError);
    expect(sessionStore.get()).toBeNull();
    expect(sessionStore.getNotice()).toBe(EXPIRED_NOTICE);
  });

  it("reports an unreachable shop as status 0", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))),
    );
    await expect(unwrap(api.catalog.GET("/categories"))).rejects.toEqual(new ApiError(0, "network error"));
  });
});
