"""Fake upstream services (Telegram Bot API, GPTunnel media API) for black-box tests."""

from tests.fakes.gptunnel import FakeGPTunnel
from tests.fakes.telegram import FakeTelegram, Sent

__all__ = ["FakeGPTunnel", "FakeTelegram", "Sent"]
