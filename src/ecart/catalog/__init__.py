"""catalog: products, categories, search; shows stock from inventory."""
