// Typed clients for the services behind the gateway (`/api/<service>/…`). Their types are
// generated from each service's OpenAPI document (src/api/types, `npm run gen:api`).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { sessionStore } from "../auth/session";
import { ApiError, detailOf } from "./errors";
import type { paths as CartPaths } from "./types/cart";
import type { paths as CatalogPaths } from "./types/catalog";
import type { paths as InventoryPaths } from "./types/inventory";
import type { paths as NotificationsPaths } from "./types/notifications";
import type { paths as OrderPaths } from "./types/order";
import type { paths as PaymentPaths } from "./types/payment";
import type { paths as UsersPaths } from "./types/users";

export type { components as CatalogSchemas } from "./types/catalog";

const bearer: Middleware = {
  onRequest({ request }) {
    const session = sessionStore.get();
    if (session && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${session.token}`);
    }
    return request;
  },
  onResponse({ request, response }) {
    // A token the services no longer accept (expired, keys rotated): sign out with a notice.
    if (response.status === 401 && request.headers.has("Authorization")) sessionStore.expire();
    return response;
  },
};

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
function serviceClient<Paths extends {}>(service: string): Client<Paths> {
  const client = createClient<Paths>({
    baseUrl: `${globalThis.location?.origin ?? ""}/api/${service}`,
    fetch: (request) => globalThis.fetch(request), // looked up per call (tests replace it)
  });
  client.use(bearer);
  return client;
}

export const api = {
  users: serviceClient<UsersPaths>("users"),
  catalog: serviceClient<CatalogPaths>("catalog"),
  cart: serviceClient<CartPaths>("cart"),
  order: serviceClient<OrderPaths>("order"),
  payment: serviceClient<PaymentPaths>("payment"),
  inventory: serviceClient<InventoryPaths>("inventory"),
  notifications: serviceClient<NotificationsPaths>("notifications"),
};

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body, or an ApiError carrying the status and the service's `detail`. */
export async function unwrap<T>(pending: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await pending;
  } catch {
    throw new ApiError(0, "network error");
  }
  if (!result.response.ok || result.error !== undefined) {
    throw new ApiError(result.response.status, detailOf(result.error));
  }
  return result.data as T;
}
