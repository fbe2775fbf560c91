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
import sys
import threading
import traceback
from typing import Callable

from debugpy.common import log
from debugpy.common.messaging import (
    NO_RESPONSE, JsonIOError, JsonIOStream, JsonMessageChannel, NoMoreMessages, Request,
)

#: The command of the synthetic request that stands for unreadable input; no
#: DAP command can contain a space, so it never collides with a real one.
MALFORMED = "malformed message"

_SEQ_IN_TEXT = re.compile(r'"seq"\s*:\s*(\d+)')


class RequestFailed(Exception):
    """Raised by a handler to fail its request with a message for the user.

    `show_user` asks the client to show the message prominently (a launch
    that cannot start); other failures are shown where the request came from.
    """

    def __init__(self, message: str, show_user: bool = False, code: str | None = None):
        super().__init__(message)
        self.show_user = show_user
        #: One of the protocol's predefined short errors ("notStopped", "cancelled"), if it is one.
        self.code = code


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
    """A `JsonIOStream` that turns unreadable input into a MALFORMED request
    and resynchronises after it: a frame with a wrong or missing
    Content-Length costs that frame only. A body is cut short where the next
    frame's header block begins (a JSON text can never contain one: its
    strings cannot hold raw line breaks), and text between frames is skipped
    up to the next `Content-Length` header."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._buffer = b""

    def _fill(self) -> None:
        """Read what the other end has sent (at least one byte), or end the session."""
        try:
            chunk = self._reader.read(_CHUNK)
        except Exception as error:
            raise NoMoreMessages(str(error), stream=self) from None
        if not chunk:
            raise NoMoreMessages(stream=self)
        self._buffer += chunk

    def _line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\r\n")
            if end >= 0:
                line, self._buffer = self._buffer[:end], self._buffer[end + 2:]
                return line
            self._fill()

    def _headers(self) -> dict[bytes, bytes]:
        """The next header block, skipping whatever stands before a header."""
        headers: dict[bytes, bytes] = {}
        while True:
            line = self._line()
            if not line:
                if headers:
                    return headers
                continue  # a stray line break between frames
            found = line.find(b"Content-Length:")
            if found > 0:
                headers.clear()  # the rest of an earlier frame's body: resynchronise here
                line = line[found:]
            name, colon, value = line.partition(b":")
            if colon:
                headers[name.strip()] = value.strip()

    def _body(self, length: int) -> tuple[bytes, bool]:
        """`length` bytes, or fewer when the next frame starts sooner (the
        second item says so): when the declared body is not JSON and a
        header begins inside it, or it waits for bytes while one has arrived."""
        while True:
            if len(self._buffer) >= length:
                body = self._buffer[:length]
                if _is_json(body):
                    self._buffer = self._buffer[length:]
                    return body, False
            start, complete = _header_start(self._buffer[:length])
            if complete:
                body, self._buffer = self._buffer[:start], self._buffer[start:]
                return body, True
            if len(self._buffer) >= length and start < 0:
                body, self._buffer = self._buffer[:length], self._buffer[length:]
                return body, False
            self._fill()

    def read_json(self, decoder=None):
        decoder = decoder if decoder is not None else self.json_decoder_factory()
        headers = self._headers()
        try:
            length = int(headers[b"Content-Length"])
            if not 0 <= length <= self.MAX_BODY_SIZE:
                raise ValueError
        except (KeyError, ValueError):
            return decoder.decode(json.dumps(_malformed(0, "unreadable message: Content-Length is missing or "
                                                           "invalid")))
        body, cut = self._body(length)
        if cut:
            found = _SEQ_IN_TEXT.search(body.decode("utf-8", "replace"))
            seq = int(found.group(1)) if found else 0
            return decoder.decode(json.dumps(_malformed(
                seq, f"Content-Length says {length} bytes, but the next message starts after {len(body)}")))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            return decoder.decode(json.dumps(_malformed(0, f"unreadable message: the body is not UTF-8 ({error})")))
        return _EnvelopeChecker(decoder).decode(text)


#: Bytes read from the other end at a time.
_CHUNK = 65536
_HEADER = b"Content-Length:"


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _header_start(data: bytes) -> tuple[int, bool]:
    """Where a Content-Length header starts in `data`: (index, True) for a
    whole one, (index, False) for the beginning of one at its very end (more
    bytes will tell), (-1, False) for none."""
    found = data.find(_HEADER)
    if found >= 0:
        return found, True
    for size in range(min(len(_HEADER) - 1, len(data)), 0, -1):
        if data.endswith(_HEADER[:size]):
            return len(data) - size, False
    return -1, False


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
    `after` runs once each request, or the client's going away, has been
    dealt with completely (failures reported too).
    """

    def __init__(self, handlers: dict[str, Callable[[Request, Arguments], object]],
                 fallback: Callable[[Request, Arguments], object], on_disconnect: Callable[[], None],
                 after: Callable[[], None] = lambda: None):
        self._handlers = handlers
        self._fallback = fallback
        self._on_disconnect = on_disconnect
        self._after = after

    def request(self, request: Request):
        """Answer `request`. Nothing may escape to the channel: debugpy ends
        the process on a handler's exception, so the answer, also a body the
        handler returns, is sent here."""
        handler = self._handlers.get(request.command, self._fallback)
        try:
            body = handler(request, Arguments(request.arguments))
            if body is not None and body is not NO_RESPONSE and request.response is None:
                request.respond(body)
        except JsonIOError:
            pass  # the client has gone (or its end of the stream broke): nobody is left to answer
        except RequestFailed as failure:
            self._fail(request, str(failure), failure.show_user, failure.code)
        except BaseException as error:  # a bug of ours must not end the session
            report_internal_error(f"request {request.command!r}")
            self._fail(request, f"internal error in {request.command!r}: {error!r}", True)
        finally:
            self._after()
        return None if request.response is not None else NO_RESPONSE

    def _fail(self, request: Request, text: str, show_user: bool, code: str | None = None) -> None:
        if request.response is None:
            send_failure(request, text, show_user, code)

    def disconnect(self):
        try:
            self._on_disconnect()
        except BaseException:
            report_internal_error("the end of the session")
        finally:
            self._after()


def report_internal_error(where: str) -> None:
    """Say on standard error that a fault of the adapter's own happened
    while `where`, with its traceback (the client gets a short message)."""
    print(f"esker-dap: internal error while handling {where}:\n{traceback.format_exc()}", file=sys.stderr,
          flush=True)


def send_failure(request: Request, text: str, show_user: bool = False, code: str | None = None) -> None:
    """Answer `request` with a failure carrying `text` (also from a thread
    other than the channel's, for requests answered later). A predefined
    `code` ("notStopped") goes in `message`, for the client to act on; the
    text for people is always the error's `format`."""
    # debugpy's `respond` cannot give a failure the `body.error` that the
    # protocol's ErrorResponse requires, so the failure is written here.
    failure = {"type": "response", "request_seq": request.seq, "command": request.command,
               "success": False, "message": code or text,
               "body": {"error": {"id": 1, "format": text, "showUser": show_user}}}
    try:
        with request.channel._send_message(failure):
            pass
    except JsonIOError:
        pass  # the client has gone; nobody is left to tell


def respond_later(request: Request, work: Callable[[], object]):
    """Answer `request` with what `work` returns, computed on a thread of its
    own, so a long request (an evaluation) does not hold up those behind it.
    The handler returns what this returns."""
    def run() -> None:
        try:
            body = work()
        except RequestFailed as failure:
            send_failure(request, str(failure), failure.show_user, failure.code)
        except BaseException as error:  # a bug of ours must not end the session
            report_internal_error(f"request {request.command!r}")
            send_failure(request, f"internal error in {request.command!r}: {error!r}", True)
        else:
            # Written directly, like failures: debugpy's `respond` from another thread could
            # come before the channel has finished with the handler that returned NO_RESPONSE.
            answer = {"type": "response", "request_seq": request.seq, "command": request.command, "success": True}
            if body:
                answer["body"] = body
            try:
                with request.channel._send_message(answer):
                    pass
            except JsonIOError:
                pass  # the client has gone
    threading.Thread(target=run, name=f"esker-dap {request.command}", daemon=True).start()
    return NO_RESPONSE


def make_channel(stream: JsonIOStream, dispatcher: Dispatcher) -> JsonMessageChannel:
    """A channel from `stream` to `dispatcher`, not yet started (call `start()`
    once the handlers can send on it)."""
    # Failed requests are answered to the client, which is where they belong;
    # debugpy's own log keeps only errors, which come before it ends the
    # process (a fault of the channel itself), so that such an end says why.
    log.stderr.levels = ("error",)
    return JsonMessageChannel(stream, dispatcher, name="esker-dap")


__all__ = ["MALFORMED", "Arguments", "Dispatcher", "RequestFailed", "TolerantStream", "envelope_problem",
           "make_channel", "respond_later", "send_failure"]
