import type { ReactElement } from "react";
import { Link } from "react-router";
import type { Product } from "../api/models";
import { formatMoney } from "../lib/money";
import { AddToCartButton } from "./AddToCart";
import { ProductArt } from "./ProductArt";

export const LOW_STOCK = 5;

export function StockNote({ stock }: { stock: number }): ReactElement {
  if (stock <= 0) return <span className="stock stock-out">Out of stock</span>;
  if (stock <= LOW_STOCK) return <span className="stock stock-low">Only {stock} left</span>;
  return <span className="stock stock-ok">In stock</span>;
}

export function ProductCard({ product }: { product: Product }): ReactElement {
  return (
    <article className="product-card" aria-labelledby={`product-${product.id}-name`}>
      <Link to={`/products/${product.id}`} className="product-card-art" tabIndex={-1} aria-hidden="true">
        <ProductArt id={product.id} name={product.name} category={product.category} />
      </Link>
      <div className="product-card-body">
        {product.category && <p className="eyebrow">{product.category}</p>}
        <h3 id={`product-${product.id}-name`} className="product-card-name">
          <Link to={`/products/${product.id}`}>{product.name}</Link>
        </h3>
        <p className="product-card-description">{product.description}</p>
        <div className="product-card-footer">
          <span className="price">{formatMoney(product.price)}</span>
          <StockNote stock={product.stock} />
        </div>
        <AddToCartButton product={product} compact />
      </div>
    </article>
  );
}
