"""The Admin section: users and clinic settings."""
