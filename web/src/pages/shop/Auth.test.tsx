import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { sessionStore } from "../../auth/session";
import { fakeApi, fakeToken, renderApp } from "../../test/helpers";
import { LoginPage, RegisterPage, safeNext } from "./Auth";

describe("signing in", () => {
  it("posts the OAuth2 form and goes where the person was heading", async () => {
    const token = fakeToken({ sub: "8", role: "customer" });
    const calls = fakeApi(({ path }) =>
      path === "/api/users/auth/token"
        ? { body: { access_token: token, token_type: "bearer", expires_in: 3600 } }
        : undefined,
    );
    renderApp(<LoginPage />, { route: "/login?next=%2Fcheckout", path: "/login" });
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "a-long-enough-passphrase");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("/checkout")).toBeTruthy();
    expect(calls[0]?.body).toBe("username=ada%40example.com&password=a-long-enough-passphrase");
    expect(calls[0]?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(sessionStore.get()?.userId).toBe("8");
  });

  it("says when the password is wrong", async () => {
    fakeApi(() => ({ status: 401, body: { detail: "Incorrect email or password" } }));
    renderApp(<LoginPage />, { route: "/login", path: "/login" });
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Incorrect email or password");
    expect(sessionStore.get()).toBeNull();
  });

  it("never sends anyone to another site after signing in", () => {
    expect(safeNext("/orders/3")).toBe("/orders/3");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});

describe("registering", () => {
  it("asks for a long enough password before calling the service", async () => {
    const calls = fakeApi(() => undefined);
    renderApp(<RegisterPage />, { route: "/register", path: "/register" });
    await userEvent.type(screen.getByLabelText("Full name"), "Ada");
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "short");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(screen.getByLabelText("Password").getAttribute("aria-invalid")).toBe("true");
    expect(calls).toEqual([]);
  });

  it("explains a taken e-mail address", async () => {
    fakeApi(() => ({ status: 409, body: { detail: "Email already registered" } }));
    renderApp(<RegisterPage />, { route: "/register", path: "/register" });
    await userEvent.type(screen.getByLabelText("Full name"), "Ada");
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "a-long-enough-passphrase");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect((await screen.findByRole("alert")).textContent).toContain("already exists");
  });
});
