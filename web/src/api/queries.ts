// Server state: one query key and fetcher per resource (TanStack Query caches and refreshes).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSession } from "../auth/useSession";
import { api, unwrap } from "./client";
import type { NotificationStatus, OrderStatus, ProductQuery } from "./models";

/** Orders that are still moving are polled this often (live status). */
export const LIVE_MS = 5000;

export const keys = {
  products: (query: ProductQuery) => ["products", query] as const,
  product: (id: number) => ["product", id] as const,
  categories: ["categories"] as const,
  me: (userId: string) => ["me", userId] as const,
  cart: (userId: string) => ["cart", userId] as const,
  orders: (userId: string) => ["orders", userId] as const,
  order: (id: number) => ["order", id] as const,
  stats: ["admin", "stats"] as const,
  allOrders: (status: OrderStatus | "", limit: number) => ["admin", "orders", status, limit] as const,
  users: ["admin", "users"] as const,
  notifications: (status: NotificationStatus | "") => ["admin", "notifications", status] as const,
  notification: (id: number) => ["admin", "notification", id] as const,
};

export function useProducts(query: ProductQuery) {
  return useQuery({
    queryKey: keys.products(query),
    queryFn: ({ signal }) => unwrap(api.catalog.GET("/products", { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useProduct(id: number) {
  return useQuery({
    queryKey: keys.product(id),
    queryFn: ({ signal }) =>
      unwrap(api.catalog.GET("/products/{product_id}", { params: { path: { product_id: id } }, signal })),
    enabled: Number.isInteger(id) && id > 0,
  });
}

export function useCategories() {
  return useQuery({
    queryKey: keys.categories,
    queryFn: ({ signal }) => unwrap(api.catalog.GET("/categories", { signal })),
    staleTime: 60_000,
  });
}

export function useMe() {
  const session = useSession();
  return useQuery({
    queryKey: keys.me(session?.userId ?? ""),
    queryFn: ({ signal }) => unwrap(api.users.GET("/users/me", { signal })),
    enabled: Boolean(session),
    staleTime: 5 * 60_000,
  });
}

export function useCart() {
  const session = useSession();
  const userId = session?.userId ?? "";
  return useQuery({
    queryKey: keys.cart(userId),
    queryFn: ({ signal }) =>
      unwrap(api.cart.GET("/cart/{user_id}", { params: { path: { user_id: userId } }, signal })),
    enabled: Boolean(session),
  });
}

export function useMyOrders() {
  const session = useSession();
  const userId = session?.userId ?? "";
  return useQuery({
    queryKey: keys.orders(userId),
    queryFn: ({ signal }) =>
      unwrap(
        api.order.GET("/orders/user/{user_id}", {
          params: { path: { user_id: userId }, query: { limit: 100 } },
          signal,
        }),
      ),
    enabled: Boolean(session),
    refetchInterval: LIVE_MS,
  });
}

export function useOrder(id: number) {
  return useQuery({
    queryKey: keys.order(id),
    queryFn: ({ signal }) =>
      unwrap(api.order.GET("/orders/{order_id}", { params: { path: { order_id: id } }, signal })),
    enabled: Number.isInteger(id) && id > 0,
    refetchInterval: LIVE_MS,
  });
}

export function useOrderStats() {
  return useQuery({
    queryKey: keys.stats,
    queryFn: ({ signal }) => unwrap(api.order.GET("/orders/stats", { signal })),
    refetchInterval: LIVE_MS,
  });
}

export function useAllOrders(status: OrderStatus | "", limit = 100, live = false) {
  return useQuery({
    queryKey: keys.allOrders(status, limit),
    queryFn: ({ signal }) =>
      unwrap(
        api.order.GET("/orders", {
          params: { query: status ? { status, limit } : { limit } },
          signal,
        }),
      ),
    refetchInterval: live ? LIVE_MS : false,
    placeholderData: keepPreviousData,
  });
}

export function useUsers() {
  return useQuery({
    queryKey: keys.users,
    queryFn: ({ signal }) => unwrap(api.users.GET("/users", { params: { query: { limit: 500 } }, signal })),
    staleTime: 30_000,
  });
}

export function useNotifications(status: NotificationStatus | "") {
  return useQuery({
    queryKey: keys.notifications(status),
    queryFn: ({ signal }) =>
      unwrap(
        api.notifications.GET("/notifications", {
          params: { query: status ? { status, limit: 200 } : { limit: 200 } },
          signal,
        }),
      ),
    refetchInterval: LIVE_MS,
  });
}

export function useNotification(id: number | null) {
  return useQuery({
    queryKey: keys.notification(id ?? 0),
    queryFn: ({ signal }) =>
      unwrap(
        api.notifications.GET("/notifications/{notification_id}", {
          params: { path: { notification_id: id ?? 0 } },
          signal,
        }),
      ),
    enabled: id !== null,
  });
}
