"""payment: payments and refunds through a simulated provider."""
