"""The catalogue's texts in each locale, for tests to compare what the bot sent against."""

from bot.language.catalogues import Translator, build_i18n

TRANSLATOR = Translator(build_i18n())
EN = TRANSLATOR("en")
RU = TRANSLATOR("ru")
