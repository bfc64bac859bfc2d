import { describe, expect, it } from "vitest";
import {
  ApiError,
  DECLINED,
  NOT_ENOUGH_STOCK,
  OFFLINE,
  SOLD_OUT,
  UNAVAILABLE,
  describeError,
  detailOf,
  isDeclined,
} from "./errors";

describe("error messages", () => {
  it("explains the errors a shopper meets", () => {
    expect(describeError(new ApiError(400, "Payment failed"))).toBe(DECLINED);
    expect(describeError(new ApiError(409, "Insufficient stock for product 3"))).toBe(SOLD_OUT);
    expect(describeError(new ApiError(400, "Insufficient stock"))).toBe(NOT_ENOUGH_STOCK);
    expect(describeError(new ApiError(0, "network error"))).toBe(OFFLINE);
    expect(describeError(new ApiError(503, "The payment service did not answer"))).toBe(UNAVAILABLE);
    expect(describeError(new ApiError(401, "Incorrect email or password"))).toBe(
      "Incorrect email or password",
    );
    expect(describeError(new ApiError(403, "Forbidden"))).toBe("You are not allowed to do that.");
    expect(describeError(new ApiError(409, "Cannot change order status from shipped to paid"))).toBe(
      "Cannot change order status from shipped to paid",
    );
    expect(describeError(new ApiError(418, ""))).toBe("Something went wrong (HTTP 418).");
  });

  it("reads the services' error body", () => {
    expect(detailOf({ detail: "Cart is empty" })).toBe("Cart is empty");
    expect(detailOf({ detail: [{ msg: "x" }] })).toBe("");
    expect(detailOf(null)).toBe("");
  });

  it("recognises a declined payment", () => {
    expect(isDeclined(new ApiError(400, "Payment failed"))).toBe(true);
    expect(isDeclined(new ApiError(400, "Cart is empty"))).toBe(false);
    expect(isDeclined(new Error("Payment failed"))).toBe(false);
  });
});
