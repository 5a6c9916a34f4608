"""Running it in production: logs (redacted), metrics, the health check, the bot's own HTTP
server, alerts to the operators and the operators' own commands."""
