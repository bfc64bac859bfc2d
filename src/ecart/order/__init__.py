"""order: orders: checkout from a cart, the order state machine, payment."""
