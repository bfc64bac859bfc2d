"""Who may call each users route (enforced by the platform; the matrix test reads it)."""

from ecart.platform.authz import PUBLIC, Policy, allow

POLICY: Policy = {
    ("POST", "/auth/register"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("GET", "/.well-known/jwks.json"): PUBLIC,
    ("GET", "/users/me"): allow("customer", "admin"),
    ("GET", "/users"): allow("admin"),
}
