"""GPTunnel image bot for Telegram."""
