"""Who may call each cart route: the owner (the `user_id` in the path) or an admin; services
read carts and clear them at checkout."""

from ecart.platform.authz import Policy, allow

OWNER = allow("customer", "admin", owner="path")

POLICY: Policy = {
    ("GET", "/cart/{user_id}"): allow("customer", "admin", "service", owner="path"),
    ("POST", "/cart/{user_id}/items"): OWNER,
    ("PUT", "/cart/{user_id}/items/{product_id}"): OWNER,
    ("DELETE", "/cart/{user_id}/items/{product_id}"): OWNER,
    ("DELETE", "/cart/{user_id}"): OWNER,
    ("POST", "/cart/{user_id}/checkout-clear"): allow("service", "admin"),
}
