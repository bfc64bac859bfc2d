// The storefront: search, category and price filters, sort, pagination (all in the URL).
import { useState, type FormEvent, type ReactElement } from "react";
import { Link, useSearchParams } from "react-router";
import { useCategories, useProducts } from "../../api/queries";
import { Alert, Empty, ErrorAlert, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { Pagination } from "../../components/Pagination";
import { ProductCard } from "../../components/ProductCard";
import {
  DEFAULT_FILTERS,
  PAGE_SIZE,
  SORTS,
  filtersToParams,
  hasActiveFilters,
  parseFilters,
  priceRangeError,
  toApiQuery,
  type CatalogFilters,
} from "../../lib/catalogQuery";

function Filters({
  filters,
  update,
}: {
  filters: CatalogFilters;
  update: (changes: Partial<CatalogFilters>) => void;
}): ReactElement {
  const categories = useCategories();
  const [open, setOpen] = useState(false); // phones: the filters fold away
  const [min, setMin] = useState(filters.minPrice);
  const [max, setMax] = useState(filters.maxPrice);
  const [applied, setApplied] = useState(`${filters.minPrice}-${filters.maxPrice}`);
  if (applied !== `${filters.minPrice}-${filters.maxPrice}`) {
    // The URL changed (back button, "clear filters"): show its prices.
    setApplied(`${filters.minPrice}-${filters.maxPrice}`);
    setMin(filters.minPrice);
    setMax(filters.maxPrice);
  }
  const rangeError = priceRangeError({ ...filters, minPrice: min, maxPrice: max });
  const applyPrice = (event: FormEvent) => {
    event.preventDefault();
    if (!rangeError) update({ minPrice: min, maxPrice: max });
  };
  const total = categories.data?.reduce((n, c) => n + c.product_count, 0);
  const active = [filters.category, filters.minPrice || filters.maxPrice].filter(Boolean).length;
  return (
    <div className="filters-wrap">
      <button
        type="button"
        className="button button-secondary filters-toggle"
        aria-expanded={open}
        aria-controls="filters"
        onClick={() => setOpen(!open)}
      >
        <Icon name="menu" size={18} /> Filters{active > 0 ? ` (${active})` : ""}
      </button>
      <aside id="filters" className={open ? "filters open" : "filters"} aria-label="Filters">
        <fieldset className="filter-group">
          <legend>Category</legend>
          <label className="radio">
            <input
              type="radio"
              name="category"
              checked={filters.category === ""}
              onChange={() => update({ category: "" })}
            />
            <span>All products</span>
            {total !== undefined && <span className="count">{total}</span>}
          </label>
          {categories.data?.map((category) => (
            <label className="radio" key={category.name}>
              <input
                type="radio"
                name="category"
                checked={filters.category === category.name}
                onChange={() => update({ category: category.name })}
              />
              <span>{category.name}</span>
              <span className="count">{category.product_count}</span>
            </label>
          ))}
          {categories.isPending && <Skeleton lines={4} />}
        </fieldset>
        <form className="filter-group" onSubmit={applyPrice} aria-labelledby="price-legend">
          <p id="price-legend" className="legend">
            Price
          </p>
          <div className="price-range">
            <div className="field">
              <label htmlFor="min-price">Min ($)</label>
              <input
                id="min-price"
                inputMode="decimal"
                placeholder="0"
                value={min}
                onChange={(e) => setMin(e.target.value)}
                aria-invalid={Boolean(rangeError) || undefined}
                aria-describedby={rangeError ? "price-error" : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor="max-price">Max ($)</label>
              <input
                id="max-price"
                inputMode="decimal"
                placeholder="Any"
                value={max}
                onChange={(e) => setMax(e.target.value)}
                aria-invalid={Boolean(rangeError) || undefined}
                aria-describedby={rangeError ? "price-error" : undefined}
              />
            </div>
          </div>
          {rangeError && (
            <p id="price-error" className="field-error">
              {rangeError}
            </p>
          )}
          <button
            type="submit"
            className="button button-secondary button-block"
            disabled={Boolean(rangeError)}
          >
            Apply price
          </button>
        </form>
        {hasActiveFilters(filters) && (
          <button
            type="button"
            className="link-button"
            onClick={() => update({ ...DEFAULT_FILTERS, sort: filters.sort })}
          >
            Clear all filters
          </button>
        )}
      </aside>
    </div>
  );
}

function Hero(): ReactElement {
  return (
    <section className="hero" aria-labelledby="hero-title">
      <div>
        <p className="eyebrow">New season · free delivery</p>
        <h2 id="hero-title">Good things for work, home and the outdoors</h2>
        <p>
          Hand-picked essentials with honest prices. Order today, follow every step until it's at your door.
        </p>
      </div>
      <Icon name="truck" size={96} className="hero-icon" />
    </section>
  );
}

export function CatalogPage(): ReactElement {
  const [params, setParams] = useSearchParams();
  const filters = parseFilters(params);
  const query = toApiQuery(filters);
  const products = useProducts(query);
  const title = filters.q ? `Results for “${filters.q}”` : filters.category || "All products";
  usePageTitle(filters.q ? `Search: ${filters.q}` : filters.category || "Shop");

  const update = (changes: Partial<CatalogFilters>) => {
    const next = { ...filters, page: 1, ...changes };
    setParams(filtersToParams(next));
  };
  const page = products.data?.slice(0, PAGE_SIZE) ?? [];
  const hasNext = (products.data?.length ?? 0) > PAGE_SIZE;
  const showHero = !hasActiveFilters(filters) && filters.page === 1;

  return (
    <>
      {showHero && <Hero />}
      <div className="catalog">
        <Filters filters={filters} update={update} />
        <section className="catalog-results" aria-labelledby="results-title" aria-busy={products.isFetching}>
          <div className="results-bar">
            <div>
              <h1 id="results-title" className="results-title">
                {title}
              </h1>
              {products.data && !products.isPlaceholderData && (
                <p className="muted" aria-live="polite">
                  {page.length === 0
                    ? "No products"
                    : `Showing ${(filters.page - 1) * PAGE_SIZE + 1}–${(filters.page - 1) * PAGE_SIZE + page.length}`}
                </p>
              )}
            </div>
            <div className="field field-inline">
              <label htmlFor="sort">Sort by</label>
              <select
                id="sort"
                value={filters.sort}
                onChange={(e) => update({ sort: e.target.value as CatalogFilters["sort"] })}
              >
                {SORTS.map((sort) => (
                  <option key={sort.value} value={sort.value}>
                    {sort.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {products.isError && <ErrorAlert error={products.error} title="We couldn't load the products" />}
          {products.isPending && (
            <div className="product-grid" aria-label="Loading products">
              {Array.from({ length: 6 }, (_, i) => (
                <div key={i} className="product-card product-card-loading">
                  <Skeleton lines={4} />
                </div>
              ))}
            </div>
          )}
          {products.data && page.length === 0 && (
            <Empty icon="search" title="No products match">
              <p>Try another search or remove a filter.</p>
              {hasActiveFilters(filters) && (
                <Link to="/" className="button button-secondary">
                  Show all products
                </Link>
              )}
            </Empty>
          )}
          {priceRangeError(filters) && <Alert tone="warning">{priceRangeError(filters)}</Alert>}
          {page.length > 0 && (
            <div className={products.isPlaceholderData ? "product-grid stale" : "product-grid"}>
              {page.map((product) => (
                <ProductCard key={product.id} product={product} />
              ))}
            </div>
          )}
          <Pagination
            page={filters.page}
            hasNext={hasNext}
            onPage={(n) => update({ page: n })}
            label="Product pages"
          />
        </section>
      </div>
    </>
  );
}
