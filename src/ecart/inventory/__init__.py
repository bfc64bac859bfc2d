"""inventory: stock levels and reservations with a TTL."""
