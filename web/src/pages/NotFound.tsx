import type { ReactElement } from "react";
import { Link } from "react-router";
import { Icon } from "../components/Icon";
import { usePageTitle } from "../components/PageTitle";

export function NotFound({ what = "page" }: { what?: string }): ReactElement {
  usePageTitle("Not found");
  return (
    <section className="status-page" aria-labelledby="nf-title">
      <span className="status-page-icon">
        <Icon name="search" size={40} />
      </span>
      <p className="eyebrow">Error 404</p>
      <h1 id="nf-title">We couldn't find that {what}</h1>
      <p>It may have been moved or removed.</p>
      <div className="actions">
        <Link to="/" className="button">
          Back to the shop
        </Link>
      </div>
    </section>
  );
}
