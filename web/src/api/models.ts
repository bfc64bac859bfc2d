// Friendly names for the generated schema types.
import type { components as CartApi } from "./types/cart";
import type { components as CatalogApi, operations as CatalogOps } from "./types/catalog";
import type { components as InventoryApi } from "./types/inventory";
import type { components as NotificationsApi } from "./types/notifications";
import type { components as OrderApi } from "./types/order";
import type { components as UsersApi } from "./types/users";

export type Product = CatalogApi["schemas"]["ProductOut"];
export type ProductIn = CatalogApi["schemas"]["ProductIn"];
export type ProductUpdate = CatalogApi["schemas"]["ProductUpdate"];
export type Category = CatalogApi["schemas"]["CategoryOut"];
export type ProductQuery = NonNullable<CatalogOps["list_products_products_get"]["parameters"]["query"]>;
export type SortKey = NonNullable<ProductQuery["sort"]>;
export type Cart = CartApi["schemas"]["CartOut"];
export type CartItem = CartApi["schemas"]["CartItemOut"];
export type Order = OrderApi["schemas"]["OrderOut"];
export type OrderStatus = OrderApi["schemas"]["Status"];
export type OrderStats = OrderApi["schemas"]["OrderStatsOut"];
export type User = UsersApi["schemas"]["UserOut"];
export type Notification = NotificationsApi["schemas"]["NotificationOut"];
export type NotificationDetail = NotificationsApi["schemas"]["NotificationDetailOut"];
export type NotificationStatus = NotificationsApi["schemas"]["Status"];
export type Stock = InventoryApi["schemas"]["StockOut"];
