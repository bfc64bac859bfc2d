"""The notifications service: e-mails customers about their orders (from `order-events` and
`payment-events`), once per event, over SMTP or into `.eml` files on the embedded default."""
