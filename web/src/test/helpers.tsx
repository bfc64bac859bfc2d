// Test helpers: render inside the app's providers, and a fake of the services' HTTP API.
import type { ReactElement } from "react";
import { render, type RenderResult } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { vi } from "vitest";
import { ToastProvider } from "../components/Toast";

export function renderApp(
  ui: ReactElement,
  { route = "/", path = "*" }: { route?: string; path?: string } = {},
): RenderResult {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[route]}>
        <ToastProvider>
          <Routes>
            <Route path={path} element={ui} />
            {path !== "*" && <Route path="*" element={null} />}
          </Routes>
          <Where />
        </ToastProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

/** Shows the current location, so a test can see where a navigation went. */
function Where(): ReactElement {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

export interface Call {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: unknown;
}

type Handler = (call: Call) => { status?: number; body?: unknown } | undefined;

/** Replaces fetch: each request goes to the first handler that answers it (else 404). */
export function fakeApi(handler: Handler): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const text = await request.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // a form body stays text
      }
      const call = {
        method: request.method,
        path: url.pathname,
        search: url.search,
        headers: request.headers,
        body,
      };
      calls.push(call);
      const answer = handler(call) ?? { status: 404, body: { detail: "Not Found" } };
      return new Response(JSON.stringify(answer.body ?? null), {
        status: answer.status ?? 200,
        headers: { "Content-Type": "application/json" },
      });
    }),
  );
  return calls;
}

/** A token the app can read (the signature is not checked in the browser). */
export function fakeToken(claims: { sub: string; role: string; exp?: number }): string {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const exp = claims.exp ?? Math.floor(Date.now() / 1000) + 3600;
  return `${encode({ alg: "EdDSA", kid: "k1" })}.${encode({ ...claims, exp })}.c2lnbmF0dXJl`;
}

export const PRODUCT = {
  id: 7,
  name: "French Press",
  description: "1 litre borosilicate glass",
  price: 32,
  stock: 60,
  category: "Home & Kitchen",
  created_at: "2026-11-24T10:00:00Z",
  updated_at: "2026-11-24T10:00:00Z",
};

export function order(overrides: Record<string, unknown> = {}) {
  return {
    id: 42,
    user_id: "5",
    status: "pending",
    total_amount: 64,
    items: [{ product_id: 7, product_name: "French Press", quantity: 2, price: 32 }],
    payment_id: null,
    created_at: "2026-11-24T10:00:00Z",
    updated_at: "2026-11-24T10:00:00Z",
    ...overrides,
  };
}
