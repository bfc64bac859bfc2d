// The storefront's filters live in the URL (shareable, back button works); this turns them
// into the catalog's `GET /products` query and back.
import type { ProductQuery, SortKey } from "../api/models";
import { parsePrice } from "./money";

export const PAGE_SIZE = 12;

export const SORTS: readonly { value: SortKey; label: string }[] = [
  { value: "id", label: "Featured" },
  { value: "price", label: "Price: low to high" },
  { value: "-price", label: "Price: high to low" },
  { value: "name", label: "Name: A to Z" },
  { value: "-name", label: "Name: Z to A" },
  { value: "-created_at", label: "Newest first" },
];

export interface CatalogFilters {
  q: string;
  category: string;
  minPrice: string;
  maxPrice: string;
  sort: SortKey;
  page: number;
}

export const DEFAULT_FILTERS: CatalogFilters = {
  q: "",
  category: "",
  minPrice: "",
  maxPrice: "",
  sort: "id",
  page: 1,
};

const KEYS = {
  q: "q",
  category: "category",
  minPrice: "min",
  maxPrice: "max",
  sort: "sort",
  page: "page",
} as const;

function isSort(value: string | null): value is SortKey {
  return SORTS.some((s) => s.value === value);
}

export function parseFilters(params: URLSearchParams): CatalogFilters {
  const page = Number.parseInt(params.get(KEYS.page) ?? "1", 10);
  const sort = params.get(KEYS.sort);
  return {
    q: params.get(KEYS.q) ?? "",
    category: params.get(KEYS.category) ?? "",
    minPrice: params.get(KEYS.minPrice) ?? "",
    maxPrice: params.get(KEYS.maxPrice) ?? "",
    sort: isSort(sort) ? sort : "id",
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

export function filtersToParams(filters: CatalogFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set(KEYS.q, filters.q.trim());
  if (filters.category) params.set(KEYS.category, filters.category);
  if (filters.minPrice.trim()) params.set(KEYS.minPrice, filters.minPrice.trim());
  if (filters.maxPrice.trim()) params.set(KEYS.maxPrice, filters.maxPrice.trim());
  if (filters.sort !== "id") params.set(KEYS.sort, filters.sort);
  if (filters.page > 1) params.set(KEYS.page, String(filters.page));
  return params;
}

/** A problem with the price range, or null. */
export function priceRangeError(filters: CatalogFilters): string | null {
  const min = filters.minPrice.trim() ? parsePrice(filters.minPrice) : undefined;
  const max = filters.maxPrice.trim() ? parsePrice(filters.maxPrice) : undefined;
  if (min === null || max === null) return "Prices are amounts like 25 or 19.99.";
  if (min !== undefined && max !== undefined && min > max) {
    return "The minimum price is above the maximum.";
  }
  return null;
}

/** One page of products, asking for one more to learn whether a next page exists. */
export function toApiQuery(filters: CatalogFilters): ProductQuery {
  const query: ProductQuery = {
    skip: (filters.page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE + 1,
    sort: filters.sort,
  };
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.category) query.category = filters.category;
  if (!priceRangeError(filters)) {
    const min = parsePrice(filters.minPrice);
    const max = parsePrice(filters.maxPrice);
    if (min !== null) query.min_price = min;
    if (max !== null) query.max_price = max;
  }
  return query;
}

export function hasActiveFilters(filters: CatalogFilters): boolean {
  return Boolean(filters.q || filters.category || filters.minPrice || filters.maxPrice);
}
