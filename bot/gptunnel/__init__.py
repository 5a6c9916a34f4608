"""GPTunnel's media API: the client, its error taxonomy, what a task's status means."""

from bot.gptunnel.client import GPTunnelClient
from bot.gptunnel.errors import ErrorKind, GPTunnelError, kind_for_code, kind_for_http
from bot.gptunnel.media import MediaTask, Progress, progress_of
from bot.gptunnel.trace import SendTrace

__all__ = [
    "ErrorKind",
    "GPTunnelClient",
    "GPTunnelError",
    "MediaTask",
    "Progress",
    "SendTrace",
    "kind_for_code",
    "kind_for_http",
    "progress_of",
]
