import { useState, type FormEvent, type ReactElement } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { ApiError, describeError } from "../../api/errors";
import type { Product } from "../../api/models";
import { useCategories, useProduct, useProducts } from "../../api/queries";
import { Empty, ErrorAlert, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { Pagination } from "../../components/Pagination";
import { StockNote } from "../../components/ProductCard";
import { useToast } from "../../components/Toast";
import { formatMoney } from "../../lib/money";
import {
  EMPTY_DRAFT,
  MAX_STOCK,
  draftOf,
  validateDraft,
  type DraftErrors,
  type ProductDraft,
} from "../../lib/productForm";
import { NotFound } from "../NotFound";

const PAGE = 20;

function useCatalogRefresh() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["products"] }),
      queryClient.invalidateQueries({ queryKey: ["product"] }),
      queryClient.invalidateQueries({ queryKey: ["categories"] }),
    ]);
}

function StockEditor({ product }: { product: Product }): ReactElement {
  const [value, setValue] = useState(String(product.stock));
  const refresh = useCatalogRefresh();
  const toast = useToast();
  const save = useMutation({
    mutationFn: (stock: number) =>
      unwrap(
        api.catalog.PUT("/products/{product_id}", {
          params: { path: { product_id: product.id } },
          body: { stock },
        }),
      ),
    onSuccess: (updated) => {
      toast(`Stock of ${updated.name} set to ${updated.stock}`);
      return refresh();
    },
  });
  const parsed = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  const valid = Number.isInteger(parsed) && parsed <= MAX_STOCK;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid && parsed !== product.stock) save.mutate(parsed);
  };
  return (
    <form className="stock-editor" onSubmit={submit}>
      <label htmlFor={`stock-${product.id}`} className="visually-hidden">
        Stock of {product.name}
      </label>
      <input
        id={`stock-${product.id}`}
        type="number"
        min={0}
        max={MAX_STOCK}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-invalid={!valid || undefined}
      />
      <button
        type="submit"
        className="button button-small button-secondary"
        disabled={!valid || parsed === product.stock || save.isPending}
      >
        {save.isPending ? "Saving…" : "Set"}
      </button>
      {save.isError && <span className="field-error">{describeError(save.error)}</span>}
    </form>
  );
}

function DeleteButton({ product }: { product: Product }): ReactElement {
  const [confirming, setConfirming] = useState(false);
  const refresh = useCatalogRefresh();
  const toast = useToast();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(api.catalog.DELETE("/products/{product_id}", { params: { path: { product_id: product.id } } })),
    onSuccess: () => {
      toast(`Deleted ${product.name}`);
      return refresh();
    },
    onError: (error) => toast(describeError(error), "danger"),
  });
  if (!confirming) {
    return (
      <button
        type="button"
        className="button button-small button-ghost"
        onClick={() => setConfirming(true)}
        aria-label={`Delete ${product.name}`}
      >
        <Icon name="trash" size={16} /> Delete
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={`Confirm deleting ${product.name}`}>
      <button
        type="button"
        className="button button-small button-danger"
        onClick={() => remove.mutate()}
        disabled={remove.isPending}
        autoFocus
      >
        {remove.isPending ? "Deleting…" : "Yes, delete"}
      </button>
      <button type="button" className="button button-small button-ghost" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}

export function AdminProducts(): ReactElement {
  usePageTitle("Products");
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  const [text, setText] = useState(q);
  const products = useProducts({
    q: q || undefined,
    skip: (page - 1) * PAGE,
    limit: PAGE + 1,
    sort: "-created_at",
  });
  const rows = products.data?.slice(0, PAGE) ?? [];
  const search = (event: FormEvent) => {
    event.preventDefault();
    setParams(text.trim() ? { q: text.trim() } : {});
  };
  return (
    <>
      <div className="page-head">
        <h1>Products</h1>
        <Link to="/admin/products/new" className="button">
          <Icon name="plus" size={18} /> New product
        </Link>
      </div>
      <form role="search" className="toolbar" onSubmit={search}>
        <label htmlFor="admin-product-search" className="visually-hidden">
          Search products
        </label>
        <input
          id="admin-product-search"
          type="search"
          placeholder="Search by name or description"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="button button-secondary">
          Search
        </button>
      </form>
      {products.isError && <ErrorAlert error={products.error} />}
      {products.isPending && <Skeleton lines={8} />}
      {products.data && rows.length === 0 && (
        <Empty icon="tag" title={q ? "No products match" : "No products yet"}>
          <Link to="/admin/products/new" className="button">
            Create a product
          </Link>
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="table-wrap" role="region" aria-label="Products" tabIndex={0}>
          <table className="table" data-testid="admin-products">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Category</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col">Stock</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((product) => (
                <tr key={product.id} data-product-id={product.id}>
                  <td>
                    <Link to={`/admin/products/${product.id}`} className="strong">
                      {product.name}
                    </Link>
                    <div>
                      <StockNote stock={product.stock} />
                    </div>
                  </td>
                  <td>{product.category ?? <span className="muted">—</span>}</td>
                  <td className="num">{formatMoney(product.price)}</td>
                  <td>
                    <StockEditor key={product.stock} product={product} />
                  </td>
                  <td className="row-actions">
                    <Link
                      to={`/admin/products/${product.id}`}
                      className="button button-small button-ghost"
                      aria-label={`Edit ${product.name}`}
                    >
                      <Icon name="edit" size={16} /> Edit
                    </Link>
                    <DeleteButton product={product} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination
        page={page}
        hasNext={(products.data?.length ?? 0) > PAGE}
        onPage={(n) => setParams({ ...(q ? { q } : {}), page: String(n) })}
      />
    </>
  );
}

function Field({
  id,
  label,
  error,
  help,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  help?: string;
  children: ReactElement;
}): ReactElement {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : (
        help && <p className="field-help">{help}</p>
      )}
    </div>
  );
}

function ProductForm({ product }: { product?: Product }): ReactElement {
  const navigate = useNavigate();
  const refresh = useCatalogRefresh();
  const toast = useToast();
  const categories = useCategories();
  const [draft, setDraft] = useState<ProductDraft>(product ? draftOf(product) : EMPTY_DRAFT);
  const [errors, setErrors] = useState<DraftErrors>({});
  const save = useMutation({
    mutationFn: (body: NonNullable<ReturnType<typeof validateDraft>["body"]>) =>
      product
        ? unwrap(
            api.catalog.PUT("/products/{product_id}", {
              params: { path: { product_id: product.id } },
              body: { ...body, description: body.description ?? "" },
            }),
          )
        : unwrap(api.catalog.POST("/products", { body })),
    onSuccess: async (saved) => {
      toast(product ? `Saved ${saved.name}` : `Created ${saved.name}`);
      await refresh();
      navigate("/admin/products");
    },
  });
  const set = (name: keyof ProductDraft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = validateDraft(draft);
    setErrors(found);
    if (body) save.mutate(body);
  };
  const invalid = (name: keyof ProductDraft) =>
    errors[name] ? { "aria-invalid": true as const, "aria-describedby": `product-${name}-error` } : {};
  return (
    <form className="form panel product-form" onSubmit={submit} noValidate>
      {save.isError && <ErrorAlert error={save.error} title="The product was not saved" />}
      <Field id="product-name" label="Name" error={errors.name}>
        <input
          id="product-name"
          value={draft.name}
          onChange={set("name")}
          maxLength={200}
          required
          {...invalid("name")}
        />
      </Field>
      <Field
        id="product-description"
        label="Description"
        error={errors.description}
        help="Shown on the product page."
      >
        <textarea
          id="product-description"
          rows={4}
          value={draft.description}
          onChange={set("description")}
          maxLength={2000}
          {...invalid("description")}
        />
      </Field>
      <div className="form-row">
        <Field id="product-price" label="Price ($)" error={errors.price}>
          <input
            id="product-price"
            inputMode="decimal"
            value={draft.price}
            onChange={set("price")}
            required
            {...invalid("price")}
          />
        </Field>
        <Field id="product-stock" label="Stock" error={errors.stock}>
          <input
            id="product-stock"
            type="number"
            min={0}
            value={draft.stock}
            onChange={set("stock")}
            {...invalid("stock")}
          />
        </Field>
        <Field id="product-category" label="Category" error={errors.category}>
          <input
            id="product-category"
            list="category-options"
            value={draft.category}
            onChange={set("category")}
            maxLength={100}
            {...invalid("category")}
          />
        </Field>
      </div>
      <datalist id="category-options">
        {categories.data?.map((c) => (
          <option key={c.name} value={c.name} />
        ))}
      </datalist>
      <div className="actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? "Saving…" : product ? "Save changes" : "Create product"}
        </button>
        <Link to="/admin/products" className="button button-secondary">
          Cancel
        </Link>
      </div>
    </form>
  );
}

export function NewProduct(): ReactElement {
  usePageTitle("New product");
  return (
    <>
      <Link to="/admin/products" className="back-link">
        <Icon name="arrowLeft" size={18} /> Products
      </Link>
      <h1>New product</h1>
      <ProductForm />
    </>
  );
}

export function EditProduct(): ReactElement {
  const id = Number(useParams().id);
  const product = useProduct(id);
  usePageTitle(product.data ? `Edit ${product.data.name}` : "Edit product");
  if (product.error instanceof ApiError && product.error.status === 404) return <NotFound what="product" />;
  if (product.isError) return <ErrorAlert error={product.error} />;
  if (!product.data) return <Skeleton lines={8} />;
  return (
    <>
      <Link to="/admin/products" className="back-link">
        <Icon name="arrowLeft" size={18} /> Products
      </Link>
      <h1>Edit {product.data.name}</h1>
      <p className="muted">Product #{product.data.id}</p>
      <ProductForm key={product.data.updated_at} product={product.data} />
    </>
  );
}
