import type { ReactElement } from "react";
import { useLocation, useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { describeError } from "../api/errors";
import type { Product } from "../api/models";
import { keys } from "../api/queries";
import { useSession } from "../auth/useSession";
import { Icon } from "./Icon";
import { useToast } from "./Toast";

/** Adds `quantity` of a product to the signed-in person's cart (visitors sign in first). */
export function useAddToCart(product: Product) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: (quantity: number) =>
      unwrap(
        api.cart.POST("/cart/{user_id}/items", {
          params: { path: { user_id: session?.userId ?? "" } },
          body: { product_id: product.id, quantity },
        }),
      ),
    onSuccess: (_, quantity) => {
      toast(`Added ${quantity > 1 ? `${quantity} × ` : ""}${product.name} to your cart`);
      return queryClient.invalidateQueries({ queryKey: keys.cart(session?.userId ?? "") });
    },
    onError: (error) => toast(describeError(error), "danger"),
  });
}

export function AddToCartButton({
  product,
  quantity = 1,
  compact = false,
}: {
  product: Product;
  quantity?: number;
  compact?: boolean;
}): ReactElement {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const add = useAddToCart(product);
  const soldOut = product.stock <= 0;
  const onClick = () => {
    if (!session) {
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    add.mutate(quantity);
  };
  return (
    <button
      type="button"
      className={compact ? "button button-block button-small" : "button button-large"}
      onClick={onClick}
      disabled={soldOut || add.isPending}
      aria-label={compact ? `Add ${product.name} to cart` : undefined}
    >
      <Icon name="cart" size={18} />
      {soldOut ? "Sold out" : add.isPending ? "Adding…" : "Add to cart"}
    </button>
  );
}
