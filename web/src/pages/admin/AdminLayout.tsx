import type { ReactElement } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { useMe } from "../../api/queries";
import { sessionStore } from "../../auth/session";
import { Icon, type IconName } from "../../components/Icon";
import { Logo, SessionNotice, useFocusOnNavigate, useForgetUserData } from "../../components/Layout";

const SECTIONS: { to: string; label: string; icon: IconName; end?: boolean }[] = [
  { to: "/admin", label: "Dashboard", icon: "chart", end: true },
  { to: "/admin/products", label: "Products", icon: "tag" },
  { to: "/admin/orders", label: "Orders", icon: "package" },
  { to: "/admin/notifications", label: "Notifications", icon: "mail" },
];

export function AdminLayout(): ReactElement {
  const main = useFocusOnNavigate();
  useForgetUserData();
  const me = useMe();
  const navigate = useNavigate();
  return (
    <div className="admin-shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="admin-sidebar">
        <div className="admin-brand">
          <Logo />
          <span className="badge badge-info">Admin</span>
        </div>
        <nav aria-label="Admin">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.to}>
                <NavLink to={section.to} end={section.end} className="admin-nav-link">
                  <Icon name={section.icon} />
                  {section.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="admin-account">
          <Link to="/" className="admin-nav-link">
            <Icon name="store" /> View shop
          </Link>
          <button
            type="button"
            className="admin-nav-link"
            onClick={() => {
              sessionStore.signOut();
              navigate("/");
            }}
          >
            <Icon name="logout" /> Sign out
          </button>
          {me.data && <p className="muted small">{me.data.email}</p>}
        </div>
      </header>
      <div className="admin-content">
        <SessionNotice />
        <main id="main" ref={main} tabIndex={-1} className="admin-main">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
