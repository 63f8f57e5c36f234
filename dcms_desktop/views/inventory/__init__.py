"""The Inventory section: items with their stock, the low-stock list, restock requests."""
