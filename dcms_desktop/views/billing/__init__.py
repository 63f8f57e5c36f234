"""The Billing section: bills, payments, receivables and invoices."""
