"""Who may call each notifications route: the e-mails and dead letters are for admins only
(they hold customers' addresses and events)."""

from ecart.platform.authz import Policy, allow

POLICY: Policy = {
    ("GET", "/notifications"): allow("admin"),
    ("GET", "/notifications/dead-letters"): allow("admin"),
    ("GET", "/notifications/{notification_id}"): allow("admin"),
}
