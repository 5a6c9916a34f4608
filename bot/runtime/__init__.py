"""A bot's life: the assembled parts, serving updates (long polling or webhook) beside the
background loop, the dispatcher middlewares that count and label updates, and the graceful
stop."""
