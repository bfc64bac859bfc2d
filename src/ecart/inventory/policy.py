"""Who may call each inventory route: stock reads are public; stock writes and reservations
are for services (and admins)."""

from ecart.platform.authz import PUBLIC, Policy, allow

INTERNAL = allow("service", "admin")

POLICY: Policy = {
    ("GET", "/stock"): PUBLIC,
    ("GET", "/stock/{product_id}"): PUBLIC,
    ("PUT", "/stock/{product_id}"): INTERNAL,
    ("DELETE", "/stock/{product_id}"): INTERNAL,
    ("POST", "/reservations"): INTERNAL,
    ("GET", "/reservations/{reservation_id}"): INTERNAL,
    ("POST", "/reservations/{reservation_id}/commit"): INTERNAL,
    ("POST", "/reservations/{reservation_id}/release"): INTERNAL,
    ("POST", "/reservations/{reservation_id}/restock"): INTERNAL,
}
