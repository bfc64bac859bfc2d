import type { ReactElement } from "react";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { describeError } from "../../api/errors";
import type { CartItem } from "../../api/models";
import { keys, useCart } from "../../api/queries";
import { useSession } from "../../auth/useSession";
import { Alert, Empty, ErrorAlert, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { usePageTitle } from "../../components/PageTitle";
import { ProductArt } from "../../components/ProductArt";
import { Quantity } from "../../components/Quantity";
import { formatMoney, fromCents, sumCents } from "../../lib/money";

function CartLine({ item }: { item: CartItem }): ReactElement {
  const session = useSession();
  const userId = session?.userId ?? "";
  const queryClient = useQueryClient();
  const path = { user_id: userId, product_id: item.product_id };
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.cart(userId) });
  const setQuantity = useMutation({
    mutationFn: (quantity: number) =>
      unwrap(api.cart.PUT("/cart/{user_id}/items/{product_id}", { params: { path, query: { quantity } } })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.cart.DELETE("/cart/{user_id}/items/{product_id}", { params: { path } })),
    onSettled: refresh,
  });
  const busy = setQuantity.isPending || remove.isPending;
  return (
    <li className="cart-line" aria-busy={busy}>
      <ProductArt id={item.product_id} name={item.product_name} category={null} size="sm" />
      <div className="cart-line-info">
        <Link to={`/products/${item.product_id}`} className="cart-line-name">
          {item.product_name}
        </Link>
        <span className="muted">{formatMoney(item.product_price)} each</span>
        {setQuantity.isError && <p className="field-error">{describeError(setQuantity.error)}</p>}
        {remove.isError && <p className="field-error">{describeError(remove.error)}</p>}
      </div>
      <Quantity
        id={`quantity-${item.product_id}`}
        label={`Quantity of ${item.product_name}`}
        value={item.quantity}
        max={100}
        disabled={busy}
        onChange={(quantity) => setQuantity.mutate(quantity)}
      />
      <span className="cart-line-total">
        {formatMoney(fromCents(sumCents([{ price: item.product_price, quantity: item.quantity }])))}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label={`Remove ${item.product_name} from cart`}
        onClick={() => remove.mutate()}
        disabled={busy}
      >
        <Icon name="trash" size={18} />
      </button>
    </li>
  );
}

export function OrderSummary({
  subtotal,
  children,
}: {
  subtotal: number;
  children?: React.ReactNode;
}): ReactElement {
  return (
    <aside className="summary" aria-labelledby="summary-title">
      <h2 id="summary-title">Order summary</h2>
      <dl className="summary-rows">
        <div>
          <dt>Subtotal</dt>
          <dd>{formatMoney(subtotal)}</dd>
        </div>
        <div>
          <dt>Delivery</dt>
          <dd>Free</dd>
        </div>
        <div className="summary-total">
          <dt>Total</dt>
          <dd data-testid="order-total">{formatMoney(subtotal)}</dd>
        </div>
      </dl>
      {children}
    </aside>
  );
}

export function CartPage(): ReactElement {
  usePageTitle("Your cart");
  const cart = useCart();
  if (cart.isError) return <ErrorAlert error={cart.error} title="We couldn't load your cart" />;
  if (!cart.data) return <Skeleton lines={6} />;
  const { items, total } = cart.data;
  const count = items.reduce((n, item) => n + item.quantity, 0);
  return (
    <>
      <h1>Your cart</h1>
      {items.length === 0 ? (
        <Empty icon="cart" title="Your cart is empty">
          <p>Browse the shop and add something you like.</p>
          <Link to="/" className="button">
            Start shopping
          </Link>
        </Empty>
      ) : (
        <div className="cart-layout">
          <section aria-label="Items in your cart">
            <p className="muted">
              {count} {count === 1 ? "item" : "items"}
            </p>
            <ul className="cart-lines">
              {items.map((item) => (
                <CartLine key={item.product_id} item={item} />
              ))}
            </ul>
            <Alert tone="info">Items in your cart are not reserved until you place your order.</Alert>
          </section>
          <OrderSummary subtotal={total}>
            <Link to="/checkout" className="button button-block button-large">
              Proceed to checkout
            </Link>
            <Link to="/" className="link-button center">
              Continue shopping
            </Link>
          </OrderSummary>
        </div>
      )}
    </>
  );
}
