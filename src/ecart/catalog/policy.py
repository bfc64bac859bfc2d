"""Who may call each catalog route: reads are public, writes are admin."""

from ecart.platform.authz import PUBLIC, Policy, allow

POLICY: Policy = {
    ("GET", "/products"): PUBLIC,
    ("GET", "/products/{product_id}"): PUBLIC,
    ("GET", "/categories"): PUBLIC,
    ("POST", "/products"): allow("admin"),
    ("PUT", "/products/{product_id}"): allow("admin"),
    ("DELETE", "/products/{product_id}"): allow("admin"),
}
