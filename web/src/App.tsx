import { lazy, Suspense, type ReactElement } from "react";
import { Route, Routes } from "react-router";
import { RequireAdmin, RequireAuth } from "./auth/guards";
import { Spinner } from "./components/Feedback";
import { Layout } from "./components/Layout";
import { NotFound } from "./pages/NotFound";
import { LoginPage, RegisterPage } from "./pages/shop/Auth";
import { CartPage } from "./pages/shop/Cart";
import { CatalogPage } from "./pages/shop/Catalog";
import { CheckoutPage } from "./pages/shop/Checkout";
import { OrderPage, OrdersPage } from "./pages/shop/Orders";
import { ProductPage } from "./pages/shop/Product";

const AdminApp = lazy(() => import("./pages/admin"));

export function App(): ReactElement {
  return (
    <Routes>
      <Route
        path="admin/*"
        element={
          <RequireAdmin>
            <Suspense fallback={<Spinner label="Loading the admin" />}>
              <AdminApp />
            </Suspense>
          </RequireAdmin>
        }
      />
      <Route element={<Layout />}>
        <Route index element={<CatalogPage />} />
        <Route path="products/:id" element={<ProductPage />} />
        <Route path="login" element={<LoginPage />} />
        <Route path="register" element={<RegisterPage />} />
        <Route
          path="cart"
          element={
            <RequireAuth>
              <CartPage />
            </RequireAuth>
          }
        />
        <Route
          path="checkout"
          element={
            <RequireAuth>
              <CheckoutPage />
            </RequireAuth>
          }
        />
        <Route
          path="orders"
          element={
            <RequireAuth>
              <OrdersPage />
            </RequireAuth>
          }
        />
        <Route
          path="orders/:id"
          element={
            <RequireAuth>
              <OrderPage />
            </RequireAuth>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
