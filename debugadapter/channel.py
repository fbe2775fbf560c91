"""The wire: DAP framing and dispatch over debugpy's JSON message channel.

debugpy's `JsonIOStream` frames messages and its `JsonMessageChannel` calls a
handler per request. Two things are added here so that no client input can
stop the adapter: input that is not a well-formed DAP request (bad headers,
bad JSON, a missing `seq` or `command`) becomes a synthetic request named
`MALFORMED` that the session answers with an error, and a handler's own
failure becomes a failure response instead of debugpy's process exit.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from debugpy.common import log
from debugpy.common.messaging import NO_RESPONSE, JsonIOStream, JsonMessageChannel, NoMoreMessages, Request

#: The command of the synthetic request that stands for unreadable input; no
#: DAP command can contain a space, so it never collides with a real one.
MALFORMED = "malformed message"

_SEQ_IN_TEXT = re.compile(r'"seq"\s*:\s*(\d+)')


class RequestFailed(Exception):
    """Raised by a handler to fail its request with a message for the user.

    `show_user` asks the client to show the message prominently (a launch
    that cannot start); other failures are shown where the request came from.
    """

    def __init__(self, message: str, show_user: bool = False):
        super().__init__(message)
        self.show_user = show_user


_REQUIRED = object()


class Arguments:
    """A request's arguments, read with checks that fail the request (never
    debugpy's validators, whose failures cannot carry an error body)."""

    def __init__(self, values, where: str = ""):
        self._values = values if isinstance(values, dict) else {}
        self._where = where

    def __contains__(self, key: str) -> bool:
        return self._values.get(key) is not None

    def get(self, key: str, kind: type | tuple, default=_REQUIRED):
        """The value of `key`, which must be of `kind` (bool is not an int here)."""
        value = self._values.get(key)
        if value is None:
            if default is _REQUIRED:
                raise RequestFailed(f"missing argument '{self._where}{key}'")
            return default
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__.replace("str", "string").replace("dict", "object") for k in kinds)
            raise RequestFailed(f"argument '{self._where}{key}' must be {names}")
        return value

    def object(self, key: str, required: bool = False) -> "Arguments":
        return Arguments(self.get(key, dict, _REQUIRED if required else {}), f"{self._where}{key}.")

    def objects(self, key: str) -> list["Arguments"]:
        items = self.get(key, list, [])
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise RequestFailed(f"argument '{self._where}{key}[{index}]' must be an object")
        return [Arguments(item, f"{self._where}{key}[{index}].") for index, item in enumerate(items)]

    def strings(self, key: str) -> list[str]:
        items = self.get(key, list, [])
        if not all(isinstance(item, str) for item in items):
            raise RequestFailed(f"argument '{self._where}{key}' must be a list of strings")
        return items


class TolerantStream(JsonIOStream):
    """A `JsonIOStream` that turns unreadable input into a MALFORMED request."""

    def _read_line(self, reader) -> bytes:
        # debugpy's version loops forever when the input ends in the middle of
        # a header line; here the end of input always ends the session.
        line = b""
        while not line.endswith(b"\r\n"):
            try:
                chunk = reader.readline()
            except Exception as error:
                raise NoMoreMessages(str(error), stream=self) from None
            if not chunk:
                raise NoMoreMessages(stream=self)
            line += chunk
        return line[:-2]

    def read_json(self, decoder=None):
        decoder = decoder if decoder is not None else self.json_decoder_factory()
        try:
            return super().read_json(_EnvelopeChecker(decoder))
        except NoMoreMessages:
            raise
        except Exception as error:  # bad header or body that is not UTF-8
            return decoder.decode(json.dumps(_malformed(0, f"unreadable message: {error}")))


class _EnvelopeChecker:
    """Wraps the channel's JSON decoder to check the DAP envelope of each message."""

    def __init__(self, decoder):
        self._decoder = decoder

    def decode(self, text: str):
        try:
            message = json.loads(text)
        except ValueError as error:
            found = _SEQ_IN_TEXT.search(text)
            seq = int(found.group(1)) if found else 0
            return self._decoder.decode(json.dumps(_malformed(seq, f"message is not valid JSON: {error}")))
        problem = envelope_problem(message)
        if problem is not None:
            seq = message.get("seq") if isinstance(message, dict) else None
            seq = seq if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1 else 0
            return self._decoder.decode(json.dumps(_malformed(seq, problem)))
        return self._decoder.decode(text)


def envelope_problem(message) -> str | None:
    """Why `message` is not a DAP request a client may send, or None."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    seq = message.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "'seq' must be a positive integer"
    if message.get("type") != "request":
        return "the adapter accepts only requests ('type' must be \"request\")"
    if not isinstance(message.get("command"), str) or not message["command"]:
        return "'command' must be a non-empty string"
    if message.get("arguments") is not None and not isinstance(message["arguments"], dict):
        return "'arguments' must be an object"
    return None


def _malformed(seq: int, reason: str) -> dict:
    return {"seq": seq, "type": "request", "command": MALFORMED, "arguments": {"reason": reason}}


class Dispatcher:
    """The handler object given to the channel: routes each request by command.

    `handlers` maps a command to a function of the request and its
    `Arguments` that returns the response body, or None after responding
    itself. `fallback` handles every other command. Every exception becomes a
    failure response, so the channel never sees one it would treat as fatal.
    """

    def __init__(self, handlers: dict[str, Callable[[Request, Arguments], object]],
                 fallback: Callable[[Request, Arguments], object], on_disconnect: Callable[[], None]):
        self._handlers = handlers
        self._fallback = fallback
        self._on_disconnect = on_disconnect

    def request(self, request: Request):
        handler = self._handlers.get(request.command, self._fallback)
        try:
            body = handler(request, Arguments(request.arguments))
        except NoMoreMessages:
            return None if request.response is not None else NO_RESPONSE  # the client has gone
        except RequestFailed as failure:
            return self._fail(request, str(failure), failure.show_user)
        except Exception as error:  # a bug of ours must not end the session
            return self._fail(request, f"internal error in {request.command!r}: {error!r}", True)
        if body is None:
            return None if request.response is not None else NO_RESPONSE
        return body

    def _fail(self, request: Request, text: str, show_user: bool):
        if request.response is not None:
            return None
        # debugpy's `respond` cannot give a failure the `body.error` that the
        # protocol's ErrorResponse requires, so the failure is written here.
        failure = {"type": "response", "request_seq": request.seq, "command": request.command,
                   "success": False, "message": text,
                   "body": {"error": {"id": 1, "format": text, "showUser": show_user}}}
        try:
            with request.channel._send_message(failure):
                pass
        except NoMoreMessages:
            pass  # the client has gone; nobody is left to tell
        return NO_RESPONSE

    def disconnect(self):
        self._on_disconnect()


def make_channel(stream: JsonIOStream, dispatcher: Dispatcher) -> JsonMessageChannel:
    """A channel from `stream` to `dispatcher`, not yet started (call `start()`
    once the handlers can send on it)."""
    # debugpy logs every failed request to stderr with a traceback; failures
    # here are answered to the client, which is where they belong.
    log.stderr.levels = ()
    return JsonMessageChannel(stream, dispatcher, name="esker-dap")


__all__ = ["MALFORMED", "Arguments", "Dispatcher", "RequestFailed", "TolerantStream", "envelope_problem",
           "make_channel"]
