"""Invoices: ingested from the back office, read and downloaded by the customer's people."""
