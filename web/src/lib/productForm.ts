// The admin's product form: text fields in, a validated catalog request out.
import type { Product, ProductIn } from "../api/models";
import { parsePrice } from "./money";

export interface ProductDraft {
  name: string;
  description: string;
  price: string;
  stock: string;
  category: string;
}

export const EMPTY_DRAFT: ProductDraft = { name: "", description: "", price: "", stock: "0", category: "" };

export function draftOf(product: Product): ProductDraft {
  return {
    name: product.name,
    description: product.description,
    price: product.price.toFixed(2),
    stock: String(product.stock),
    category: product.category ?? "",
  };
}

export type DraftErrors = Partial<Record<keyof ProductDraft, string>>;

export const MAX_STOCK = 1_000_000;

export function validateDraft(draft: ProductDraft): { body: ProductIn | null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const name = draft.name.trim();
  if (!name) errors.name = "Enter a name.";
  else if (name.length > 200) errors.name = "At most 200 characters.";
  if (draft.description.length > 2000) errors.description = "At most 2000 characters.";
  const price = parsePrice(draft.price);
  if (price === null || price <= 0) errors.price = "Enter a price above 0, like 19.99.";
  else if (price > 1_000_000) errors.price = "At most 1,000,000.";
  const stock = /^\d+$/.test(draft.stock.trim()) ? Number(draft.stock.trim()) : NaN;
  if (!Number.isInteger(stock) || stock < 0 || stock > MAX_STOCK) {
    errors.stock = `Enter a whole number from 0 to ${MAX_STOCK.toLocaleString("en-US")}.`;
  }
  const category = draft.category.trim();
  if (category.length > 100) errors.category = "At most 100 characters.";
  if (Object.keys(errors).length > 0) return { body: null, errors };
  return {
    body: {
      name,
      description: draft.description.trim() || null,
      price: price as number,
      stock,
      category: category || null,
    },
    errors,
  };
}
