"""The appointment book: day and week views, booking, status actions."""
