import { describe, expect, it } from "vitest";
import {
  DEFAULT_FILTERS,
  PAGE_SIZE,
  filtersToParams,
  hasActiveFilters,
  parseFilters,
  priceRangeError,
  toApiQuery,
} from "./catalogQuery";

describe("catalog filters in the URL", () => {
  it("round-trips and leaves defaults out of the URL", () => {
    const filters = {
      q: "lamp",
      category: "Home & Kitchen",
      minPrice: "10",
      maxPrice: "99.5",
      sort: "-price" as const,
      page: 3,
    };
    const params = filtersToParams(filters);
    expect(params.toString()).toBe("q=lamp&category=Home+%26+Kitchen&min=10&max=99.5&sort=-price&page=3");
    expect(parseFilters(params)).toEqual(filters);
    expect(filtersToParams(DEFAULT_FILTERS).toString()).toBe("");
  });

  it("ignores nonsense in the URL", () => {
    expect(parseFilters(new URLSearchParams("sort=drop-table&page=-2"))).toEqual(DEFAULT_FILTERS);
    expect(parseFilters(new URLSearchParams("page=abc")).page).toBe(1);
  });

  it("asks for one product more than a page, to know whether there is a next page", () => {
    const query = toApiQuery({ ...DEFAULT_FILTERS, page: 2, q: "  mug ", minPrice: "5" });
    expect(query).toEqual({ skip: PAGE_SIZE, limit: PAGE_SIZE + 1, sort: "id", q: "mug", min_price: 5 });
  });

  it("explains a bad price range and does not send it", () => {
    const inverted = { ...DEFAULT_FILTERS, minPrice: "50", maxPrice: "10" };
    expect(priceRangeError(inverted)).toBe("The minimum price is above the maximum.");
    expect(toApiQuery(inverted)).not.toHaveProperty("min_price");
    expect(priceRangeError({ ...DEFAULT_FILTERS, minPrice: "ten" })).toMatch(/amounts like/);
    expect(priceRangeError({ ...DEFAULT_FILTERS, minPrice: "10", maxPrice: "10" })).toBeNull();
  });

  it("knows when filters are active", () => {
    expect(hasActiveFilters(DEFAULT_FILTERS)).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, sort: "name" })).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_FILTERS, category: "Books" })).toBe(true);
  });
});
