"""GPTunnel's image models as the bot offers them: the catalogue (ids, titles, prices in
credits, aspect ratios, reference images), the one shipped with the bot, reading the operator's
own (MODELS), and what each person and group chose. The catalogue itself is pure data: settings
read it at start, before anything else is built."""
