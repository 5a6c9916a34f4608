"""Texts and languages: the gettext catalogues (compiled from .po at start), every text the bot
sends (`texts`, keys only), and which language a person is answered in."""
