// Route guards: signed-in pages send visitors to sign in (and back afterwards); admin pages
// show customers a "not authorised" page. The services enforce the same rules on every call.
import type { ReactElement, ReactNode } from "react";
import { Link, Navigate, useLocation } from "react-router";
import { Icon } from "../components/Icon";
import { usePageTitle } from "../components/PageTitle";
import { useSession } from "./useSession";

export function RequireAuth({ children }: { children: ReactNode }): ReactElement {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <>{children}</>;
}

export function RequireAdmin({ children }: { children: ReactNode }): ReactElement {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (session.role !== "admin") return <NotAuthorised />;
  return <>{children}</>;
}

export function NotAuthorised(): ReactElement {
  usePageTitle("Not authorised");
  return (
    <section className="status-page" aria-labelledby="denied-title">
      <span className="status-page-icon">
        <Icon name="shield" size={40} />
      </span>
      <p className="eyebrow">Error 403</p>
      <h1 id="denied-title">Not authorised</h1>
      <p>This page is for shop administrators. Your account can shop, check out and follow its orders.</p>
      <div className="actions">
        <Link to="/" className="button">
          Continue shopping
        </Link>
        <Link to="/orders" className="button button-secondary">
          Your orders
        </Link>
      </div>
    </section>
  );
}
