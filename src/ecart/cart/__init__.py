"""cart: carts of signed-in customers."""
