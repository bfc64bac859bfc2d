// The admin area, loaded only when an admin opens it (its own chunk).
import type { ReactElement } from "react";
import { Route, Routes } from "react-router";
import { NotFound } from "../NotFound";
import { AdminLayout } from "./AdminLayout";
import { Dashboard } from "./Dashboard";
import { AdminNotifications } from "./Notifications";
import { AdminOrders } from "./Orders";
import { AdminProducts, EditProduct, NewProduct } from "./Products";

export default function AdminApp(): ReactElement {
  return (
    <Routes>
      <Route element={<AdminLayout />}>
        <Route index element={<Dashboard />} />
        <Route path="products" element={<AdminProducts />} />
        <Route path="products/new" element={<NewProduct />} />
        <Route path="products/:id" element={<EditProduct />} />
        <Route path="orders" element={<AdminOrders />} />
        <Route path="notifications" element={<AdminNotifications />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
