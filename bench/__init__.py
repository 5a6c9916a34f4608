"""Benchmarks: the real bot against fake Telegram and GPTunnel servers on 127.0.0.1."""
