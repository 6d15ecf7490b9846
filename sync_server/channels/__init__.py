"""Alert channels of an account: email, Slack, Telegram, Discord, webhooks."""
