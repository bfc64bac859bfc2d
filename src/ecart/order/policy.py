"""Who may call each order route. Someone else's order is answered 404 (`resource`); a
customer may set only `cancelled` by hand (the use case checks which status)."""

from ecart.platform.authz import Policy, allow

MINE = allow("customer", "admin", owner="resource")

POLICY: Policy = {
    ("POST", "/orders"): allow("customer", "admin", owner="body"),
    ("GET", "/orders"): allow("admin"),
    ("GET", "/orders/stats"): allow("admin"),
    ("GET", "/orders/user/{user_id}"): allow("customer", "admin", owner="path"),
    ("GET", "/orders/{order_id}"): allow("customer", "admin", "service", owner="resource"),
    ("PUT", "/orders/{order_id}/status"): MINE,
    ("POST", "/orders/{order_id}/cancel"): MINE,
    ("POST", "/orders/{order_id}/payment"): MINE,
}
