"""An HTTP upstream: each message is POSTed (JSON or a form) to the connector's URL, with HTTP Basic
credentials when a user name is set. The body carries our message id, which the upstream may use
as an idempotency key. A 2xx answer accepts it: its part ids are the answer's `part_ids` when given,
else `<connector>-<message id>-<n>`, the ids its receipts quote to POST /hooks/dlr (`part_id`).
A 4xx refuses it for good (408 and 429 for now), a 5xx refuses it for now; an answer that never
came leaves it uncertain (it may have reached the upstream)."""

from collections.abc import Sequence

import httpx

from .base import Outbound, ReportSink, SubmitResult


class HttpGateway:
    uses_database = False  # its submits may run on any thread, alongside other connectors

    def __init__(
        self,
        *,
        sink: ReportSink,
        url: str,
        name: str = "http",
        username: str = "",
        password: str = "",
        payload: str = "json",
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.url, self.payload = url, payload
        auth = httpx.BasicAuth(username, password) if username else None
        self._client = httpx.Client(auth=auth, timeout=timeout)

    def submit(self, messages: Sequence[Outbound]) -> list[SubmitResult]:
        return [self._one(m) for m in messages]

    def _one(self, m: Outbound) -> SubmitResult:
        body = {
            "id": str(m.message_id),
            "from": m.sender,
            "to": m.to,
            "text": "".join(m.parts),
            "parts": len(m.parts),
            "encoding": m.encoding,
            "dlr": int(m.request_dlr),
        }
        try:
            answer = self._post(body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent
            return SubmitResult(
                m.message_id, False, error=f"upstream unreachable: {exc}"[:200], permanent=False, untouched=True
            )
        except httpx.HTTPError as exc:
            return SubmitResult(m.message_id, False, error=f"upstream did not answer: {exc}"[:200], permanent=False)
        if answer.is_success:
            return SubmitResult(m.message_id, True, self._part_ids(m, answer))
        temporary = answer.status_code >= 500 or answer.status_code in (408, 429)
        error = f"upstream answered {answer.status_code}: {answer.text[:150]}"
        return SubmitResult(m.message_id, False, error=error, permanent=not temporary, untouched=temporary)

    def _post(self, body: dict[str, object]) -> httpx.Response:
        if self.payload == "json":
            return self._client.post(self.url, json=body)
        return self._client.post(self.url, data=body)

    def _part_ids(self, m: Outbound, answer: httpx.Response) -> tuple[str, ...]:
        try:
            given = answer.json().get("part_ids")
        except (ValueError, AttributeError):
            given = None
        if isinstance(given, list) and len(given) == len(m.parts):
            return tuple(str(p)[:100] for p in given)
        return tuple(f"{self.name}-{m.message_id}-{i}" for i in range(len(m.parts)))

    def recorded(self) -> None:
        pass

    def close(self) -> None:
        self._client.close()
