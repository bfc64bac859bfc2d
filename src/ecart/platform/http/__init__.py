"""HTTP mechanisms shared by every service: app factory, errors, middleware, client."""
