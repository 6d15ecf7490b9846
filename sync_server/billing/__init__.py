"""Plans and subscriptions (Stripe arrives with its own issue)."""
