// The storefront's frame: skip link, header (search, account, cart), the page, footer.
import { useEffect, useRef, useState, type FormEvent, type ReactElement } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { useCart, useMe } from "../api/queries";
import { sessionStore } from "../auth/session";
import { useSession, useSessionNotice } from "../auth/useSession";
import { Icon } from "./Icon";

export function Logo(): ReactElement {
  return (
    <Link to="/" className="logo" aria-label="ecart home">
      <span className="logo-mark" aria-hidden="true">
        <Icon name="cart" size={18} />
      </span>
      <span className="logo-text">ecart</span>
    </Link>
  );
}

/** Moves focus to the page's main region after a navigation, so keyboard and screen-reader
 * users start at the new content (not at the top of the header). */
export function useFocusOnNavigate() {
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    window.scrollTo({ top: 0 });
  }, [location.pathname]);
  return main;
}

/** Drops what belonged to the person who signed out (their cart, orders, admin data). */
export function useForgetUserData() {
  const session = useSession();
  const queryClient = useQueryClient();
  const userId = session?.userId ?? null;
  useEffect(() => {
    if (userId !== null) return;
    queryClient.removeQueries({
      predicate: (query) => !["products", "product", "categories"].includes(String(query.queryKey[0])),
    });
  }, [userId, queryClient]);
}

export function SessionNotice(): ReactElement | null {
  const notice = useSessionNotice();
  const session = useSession();
  const location = useLocation();
  if (!notice || session || location.pathname === "/login") return null;
  const next = encodeURIComponent(location.pathname + location.search);
  return (
    <div className="notice-bar" role="alert">
      <div className="container notice-inner">
        <Icon name="lock" />
        <span>{notice}</span>
        <Link to={`/login?next=${next}`} className="button button-small">
          Sign in
        </Link>
        <button
          type="button"
          className="icon-button"
          aria-label="Dismiss"
          onClick={() => sessionStore.clearNotice()}
        >
          <Icon name="x" size={16} />
        </button>
      </div>
    </div>
  );
}

function HeaderSearch(): ReactElement {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const current = location.pathname === "/" ? (params.get("q") ?? "") : "";
  const [text, setText] = useState(current);
  const [shown, setShown] = useState(current);
  if (shown !== current) {
    setShown(current);
    setText(current);
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams(location.pathname === "/" ? params : undefined);
    next.delete("page");
    if (text.trim()) next.set("q", text.trim());
    else next.delete("q");
    const query = next.toString();
    navigate(query ? `/?${query}` : "/");
  };
  return (
    <form role="search" className="header-search" onSubmit={submit}>
      <label htmlFor="site-search" className="visually-hidden">
        Search products
      </label>
      <Icon name="search" className="header-search-icon" />
      <input
        id="site-search"
        type="search"
        placeholder="Search products"
        value={text}
        onChange={(e) => setText(e.target.value)}
        autoComplete="off"
        maxLength={200}
      />
      <button type="submit" className="button button-small">
        Search
      </button>
    </form>
  );
}

function CartLink(): ReactElement {
  const session = useSession();
  const cart = useCart();
  const count = cart.data?.items.reduce((n, item) => n + item.quantity, 0) ?? 0;
  const label = session ? `Cart, ${count} ${count === 1 ? "item" : "items"}` : "Cart";
  return (
    <NavLink to="/cart" className="header-link cart-link" aria-label={label}>
      <Icon name="cart" size={22} />
      <span className="header-link-text">Cart</span>
      {count > 0 && (
        <span className="cart-count" aria-hidden="true" data-testid="cart-count">
          {count}
        </span>
      )}
    </NavLink>
  );
}

function Account(): ReactElement {
  const session = useSession();
  const me = useMe();
  const navigate = useNavigate();
  if (!session) {
    return (
      <NavLink to="/login" className="header-link">
        <Icon name="user" size={22} />
        <span className="header-link-text">Sign in</span>
      </NavLink>
    );
  }
  const signOut = () => {
    sessionStore.signOut();
    navigate("/");
  };
  return (
    <>
      <NavLink to="/orders" className="header-link">
        <Icon name="package" size={22} />
        <span className="header-link-text">Orders</span>
      </NavLink>
      {session.role === "admin" && (
        <NavLink to="/admin" className="header-link">
          <Icon name="chart" size={22} />
          <span className="header-link-text">Admin</span>
        </NavLink>
      )}
      <span className="header-user" title={me.data?.email}>
        {me.data ? `Hi, ${me.data.name.split(" ")[0]}` : ""}
      </span>
      <button type="button" className="header-link" onClick={signOut}>
        <Icon name="logout" size={22} />
        <span className="header-link-text">Sign out</span>
      </button>
    </>
  );
}

export function Layout(): ReactElement {
  const main = useFocusOnNavigate();
  useForgetUserData();
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Logo />
          <HeaderSearch />
          <nav aria-label="Account" className="header-nav">
            <Account />
            <CartLink />
          </nav>
        </div>
      </header>
      <SessionNotice />
      <main id="main" ref={main} tabIndex={-1} className="container site-main">
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container footer-inner">
          <span>© ecart — a demo shop. Payments are simulated: no real card is charged.</span>
          <span>Free delivery on every order · 30-day returns</span>
        </div>
      </footer>
    </div>
  );
}
