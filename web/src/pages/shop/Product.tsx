import { useState, type ReactElement } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/errors";
import { useProduct } from "../../api/queries";
import { AddToCartButton } from "../../components/AddToCart";
import { ErrorAlert, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { StockNote } from "../../components/ProductCard";
import { ProductArt } from "../../components/ProductArt";
import { Quantity } from "../../components/Quantity";
import { formatMoney } from "../../lib/money";
import { NotFound } from "../NotFound";

export function ProductPage(): ReactElement {
  const id = Number(useParams().id);
  const product = useProduct(id);
  const [quantity, setQuantity] = useState(1);
  usePageTitle(product.data?.name ?? "Product");

  if (
    !Number.isInteger(id) ||
    id < 1 ||
    (product.error instanceof ApiError && product.error.status === 404)
  ) {
    return <NotFound what="product" />;
  }
  if (product.isError) return <ErrorAlert error={product.error} title="We couldn't load this product" />;
  if (!product.data) {
    return (
      <div className="product-page" aria-busy="true">
        <Skeleton lines={8} />
      </div>
    );
  }
  const p = product.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link to="/">Shop</Link>
          </li>
          {p.category && (
            <li>
              <Link to={`/?category=${encodeURIComponent(p.category)}`}>{p.category}</Link>
            </li>
          )}
          <li aria-current="page">{p.name}</li>
        </ol>
      </nav>
      <article className="product-page">
        <ProductArt id={p.id} name={p.name} category={p.category} size="lg" />
        <div className="product-info">
          {p.category && <p className="eyebrow">{p.category}</p>}
          <h1>{p.name}</h1>
          <p className="price price-large">{formatMoney(p.price)}</p>
          <StockNote stock={p.stock} />
          <p className="product-description">{p.description || "No description yet."}</p>
          {p.stock > 0 && (
            <div className="buy-box">
              <Quantity
                id="product-quantity"
                label="Quantity"
                value={quantity}
                max={p.stock}
                onChange={setQuantity}
              />
              <AddToCartButton product={p} quantity={quantity} />
            </div>
          )}
          <ul className="perks">
            <li>
              <Icon name="truck" /> Free delivery, usually in 2–4 working days
            </li>
            <li>
              <Icon name="refresh" /> 30-day returns
            </li>
            <li>
              <Icon name="lock" /> Secure checkout
            </li>
          </ul>
        </div>
      </article>
    </>
  );
}
