import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { RequireAdmin, RequireAuth } from "./guards";
import { sessionStore } from "./session";
import { fakeToken, renderApp } from "../test/helpers";

const SECRET = <h1>Admin dashboard</h1>;

describe("route guards", () => {
  it("show customers a not-authorised page on admin pages", () => {
    sessionStore.signIn(fakeToken({ sub: "4", role: "customer" }));
    renderApp(<RequireAdmin>{SECRET}</RequireAdmin>, { route: "/admin/orders" });
    expect(screen.getByRole("heading", { name: "Not authorised" })).toBeTruthy();
    expect(screen.queryByText("Admin dashboard")).toBeNull();
  });

  it("let admins in", () => {
    sessionStore.signIn(fakeToken({ sub: "1", role: "admin" }));
    renderApp(<RequireAdmin>{SECRET}</RequireAdmin>, { route: "/admin" });
    expect(screen.getByRole("heading", { name: "Admin dashboard" })).toBeTruthy();
  });

  it("send visitors to sign in, then back", () => {
    renderApp(<RequireAuth>{SECRET}</RequireAuth>, { route: "/orders?x=1", path: "/orders" });
    expect(screen.getAllByTestId("location").at(-1)?.textContent).toBe("/login?next=%2Forders%3Fx%3D1");
    expect(screen.queryByText("Admin dashboard")).toBeNull();
  });
});
