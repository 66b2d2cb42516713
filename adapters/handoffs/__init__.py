"""Cross-store hand-offs: lines of an order in one store fulfilled by another store of the merchant."""
