import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { PRODUCT, fakeApi, renderApp } from "../../test/helpers";
import { CatalogPage } from "./Catalog";

const CATEGORIES = [
  { name: "Books", product_count: 3 },
  { name: "Home & Kitchen", product_count: 4 },
];

function products(count: number) {
  return Array.from({ length: count }, (_, i) => ({ ...PRODUCT, id: i + 1, name: `Product ${i + 1}` }));
}

describe("the storefront grid", () => {
  it("shows a page of products and offers the next page", async () => {
    const calls = fakeApi(({ path }) => {
      if (path === "/api/catalog/categories") return { body: CATEGORIES };
      if (path === "/api/catalog/products") return { body: products(13) };
      return undefined;
    });
    renderApp(<CatalogPage />);
    expect(await screen.findAllByRole("article")).toHaveLength(12);
    expect(screen.getByRole("heading", { name: "All products", level: 1 })).toBeTruthy();
    expect(screen.getByText("Showing 1–12")).toBeTruthy();
    const pages = screen.getByRole("navigation", { name: "Product pages" });
    expect(within(pages).getByRole("button", { name: "Next" })).toHaveProperty("disabled", false);
    expect(calls.find((c) => c.path === "/api/catalog/products")?.search).toBe("?skip=0&limit=13&sort=id");
  });

  it("filters by category and price, sorts, and says when nothing matches", async () => {
    const calls = fakeApi(({ path, search }) => {
      if (path === "/api/catalog/categories") return { body: CATEGORIES };
      if (path === "/api/catalog/products") return { body: search.includes("max_price") ? [] : products(2) };
      return undefined;
    });
    renderApp(<CatalogPage />);
    await userEvent.click(await screen.findByLabelText(/Books/));
    expect(screen.getAllByTestId("location").at(-1)?.textContent).toBe("/?category=Books");
    await userEvent.selectOptions(screen.getByLabelText("Sort by"), "Price: high to low");
    await userEvent.type(screen.getByLabelText("Max ($)"), "5");
    await userEvent.click(screen.getByRole("button", { name: "Apply price" }));
    expect(await screen.findByRole("heading", { name: "No products match" })).toBeTruthy();
    expect(calls.at(-1)?.search).toBe("?skip=0&limit=13&sort=-price&category=Books&max_price=5");
  });
});
