import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { StatusBadge } from "./Feedback";
import { Pagination } from "./Pagination";
import { ProductCard, StockNote } from "./ProductCard";
import { artFor } from "./ProductArt";
import { Quantity } from "./Quantity";
import { PRODUCT, renderApp } from "../test/helpers";

function Stepper({ max }: { max: number }) {
  const [value, setValue] = useState(1);
  return <Quantity id="q" label="Quantity" value={value} max={max} onChange={setValue} />;
}

describe("Quantity", () => {
  it("steps within 1..max and clamps typed values", async () => {
    const user = userEvent.setup();
    render(<Stepper max={3} />);
    const input = screen.getByRole("spinbutton", { name: "Quantity" });
    expect(screen.getByRole("button", { name: "Decrease quantity" })).toHaveProperty("disabled", true);
    await user.click(screen.getByRole("button", { name: "Increase quantity" }));
    await user.click(screen.getByRole("button", { name: "Increase quantity" }));
    expect(input).toHaveProperty("value", "3");
    expect(screen.getByRole("button", { name: "Increase quantity" })).toHaveProperty("disabled", true);
    await user.clear(input);
    await user.type(input, "99{Enter}");
    expect(input).toHaveProperty("value", "3");
    await user.clear(input);
    await user.type(input, "0");
    await user.tab();
    expect(input).toHaveProperty("value", "1");
  });
});

describe("product display", () => {
  it("says how much stock is left", () => {
    render(
      <>
        <StockNote stock={0} />
        <StockNote stock={3} />
        <StockNote stock={50} />
      </>,
    );
    expect(screen.getByText("Out of stock")).toBeTruthy();
    expect(screen.getByText("Only 3 left")).toBeTruthy();
    expect(screen.getByText("In stock")).toBeTruthy();
  });

  it("cannot add a sold-out product", () => {
    renderApp(<ProductCard product={{ ...PRODUCT, stock: 0 }} />);
    expect(screen.getByRole("button", { name: "Add French Press to cart" })).toHaveProperty("disabled", true);
    expect(screen.getByRole("heading", { name: "French Press" })).toBeTruthy();
    expect(screen.getByText("$32.00")).toBeTruthy();
  });

  it("sends visitors to sign in before adding to the cart", async () => {
    renderApp(<ProductCard product={PRODUCT} />, { route: "/?q=press" });
    await userEvent.click(screen.getByRole("button", { name: "Add French Press to cart" }));
    expect(screen.getAllByTestId("location").at(-1)?.textContent).toBe("/login?next=%2F%3Fq%3Dpress");
  });

  it("pictures a product by what its name says, else by its category", () => {
    expect(artFor(7, "Books", "Clean Architecture")).toEqual({ icon: "book", hue: 1 });
    expect(artFor(3, "Home & Kitchen", "Cast Iron Skillet")).toEqual({ icon: "pan", hue: 3 });
    expect(artFor(4, "Electronics", "Noise-Cancelling Headphones").icon).toBe("headphones");
    expect(artFor(12, "Unknown", "Gift card")).toEqual({ icon: "tag", hue: 0 });
    expect(artFor(5, null).icon).toBe("tag");
  });
});

describe("small parts", () => {
  it("labels order statuses for people", () => {
    render(<StatusBadge status="pending" />);
    expect(screen.getByText("Awaiting payment").dataset.status).toBe("pending");
  });

  it("paginates only when there is more than one page", async () => {
    const onPage = vi.fn();
    const { rerender, container } = render(<Pagination page={1} hasNext={false} onPage={onPage} />);
    expect(container.innerHTML).toBe("");
    rerender(<Pagination page={2} hasNext onPage={onPage} />);
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(onPage.mock.calls).toEqual([[3], [1]]);
  });
});
