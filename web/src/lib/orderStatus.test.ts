import { describe, expect, it } from "vitest";
import { STATUSES, canMove, cancelKind, forwardMoves, isOpen, isPayable, journeyStep } from "./orderStatus";

// The README's "Order states" table, as (from, to) pairs the order service accepts.
const TABLE: [string, string][] = [
  ["pending", "confirmed"],
  ["pending", "paid"],
  ["confirmed", "paid"],
  ["pending", "cancelled"],
  ["confirmed", "cancelled"],
  ["paid", "processing"],
  ["processing", "shipped"],
  ["shipped", "delivered"],
  ["paid", "refunded"],
  ["processing", "refunded"],
];

describe("the order state machine", () => {
  it("allows exactly the README's moves", () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const expected = TABLE.some(([f, t]) => f === from && t === to);
        expect(canMove(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it("offers admins the forward moves, never paid (only a payment pays)", () => {
    expect(forwardMoves("pending")).toEqual(["confirmed"]);
    expect(forwardMoves("confirmed")).toEqual([]);
    expect(forwardMoves("paid")).toEqual(["processing"]);
    expect(forwardMoves("processing")).toEqual(["shipped"]);
    expect(forwardMoves("shipped")).toEqual(["delivered"]);
    expect(forwardMoves("delivered")).toEqual([]);
  });

  it("cancels unpaid orders and refunds paid ones that have not shipped", () => {
    expect(cancelKind("pending")).toBe("cancel");
    expect(cancelKind("confirmed")).toBe("cancel");
    expect(cancelKind("paid")).toBe("refund");
    expect(cancelKind("processing")).toBe("refund");
    expect(cancelKind("shipped")).toBeNull();
    expect(cancelKind("refunded")).toBeNull();
  });

  it("knows what is payable, open and where on the journey an order is", () => {
    expect(isPayable("pending")).toBe(true);
    expect(isPayable("paid")).toBe(false);
    expect(isOpen("delivered")).toBe(false);
    expect(isOpen("shipped")).toBe(true);
    expect(journeyStep("pending")).toBe(0);
    expect(journeyStep("confirmed")).toBe(0);
    expect(journeyStep("shipped")).toBe(3);
    expect(journeyStep("cancelled")).toBe(-1);
  });
});
