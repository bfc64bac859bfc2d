"""Who may call each payment route: charges and refunds are for services (the order service)
and admins; a payment is readable by its owner (others get 404), admins and services."""

from ecart.platform.authz import Policy, allow

INTERNAL = allow("service", "admin")
READ = allow("customer", "admin", "service", owner="resource")

POLICY: Policy = {
    ("POST", "/payments"): INTERNAL,
    ("GET", "/payments/order/{order_id}"): READ,
    ("GET", "/payments/{payment_id}"): READ,
    ("POST", "/payments/{payment_id}/refund"): INTERNAL,
}
