import { describe, expect, it } from "vitest";
import { formatMoney, fromCents, parsePrice, sumCents } from "./money";

describe("money", () => {
  it("formats dollars with cents", () => {
    expect(formatMoney(999.99)).toBe("$999.99");
    expect(formatMoney(49.5)).toBe("$49.50");
    expect(formatMoney(1234)).toBe("$1,234.00");
  });

  it("adds lines in cents, without float drift", () => {
    const lines = [
      { price: 0.1, quantity: 3 },
      { price: 0.2, quantity: 3 },
    ];
    expect(fromCents(sumCents(lines))).toBe(0.9);
    expect(0.1 * 3 + 0.2 * 3).not.toBe(0.9); // what plain floats would say
  });

  it("reads typed prices with at most two decimals", () => {
    expect(parsePrice("12")).toBe(12);
    expect(parsePrice(" 12.5 ")).toBe(12.5);
    expect(parsePrice("12.345")).toBeNull();
    expect(parsePrice("-1")).toBeNull();
    expect(parsePrice("1e3")).toBeNull();
    expect(parsePrice("")).toBeNull();
  });
});
