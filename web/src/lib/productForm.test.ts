import { describe, expect, it } from "vitest";
import { EMPTY_DRAFT, draftOf, validateDraft } from "./productForm";
import { PRODUCT } from "../test/helpers";

describe("the product form", () => {
  it("turns a valid draft into a catalog request", () => {
    const { body, errors } = validateDraft({
      name: "  Lamp ",
      description: "",
      price: "19.90",
      stock: "4",
      category: " ",
    });
    expect(errors).toEqual({});
    expect(body).toEqual({ name: "Lamp", description: null, price: 19.9, stock: 4, category: null });
  });

  it("names every field that is wrong", () => {
    const { body, errors } = validateDraft({ ...EMPTY_DRAFT, price: "0", stock: "-1" });
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["name", "price", "stock"]);
    expect(validateDraft({ ...EMPTY_DRAFT, name: "x", price: "2000000" }).errors.price).toBe(
      "At most 1,000,000.",
    );
    expect(validateDraft({ ...EMPTY_DRAFT, name: "x", price: "1", stock: "2.5" }).errors.stock).toMatch(
      /whole number/,
    );
  });

  it("starts an edit from the product", () => {
    expect(draftOf(PRODUCT)).toEqual({
      name: "French Press",
      description: "1 litre borosilicate glass",
      price: "32.00",
      stock: "60",
      category: "Home & Kitchen",
    });
  });
});
