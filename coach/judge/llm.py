"""The LLM judge: one call per relevant principle, explanation before verdict, JSON output, temperature 0.

Responses are cached on disk by content hash (model + prompts + text), so re-running an eval costs nothing.
Requests run concurrently under a semaphore. Malformed JSON, 429/5xx, timeouts and connection errors are
retried; authentication and missing-model errors are not (the message says what to fix).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coach.config import Settings
from coach.judge.models import Judgement, PrincipleResult
from coach.judge.rubric import Principle, Rubric
from coach.judge.rules import RuleJudge, check_text, to_skill
from coach.judge.scoring import combine
from coach.judge.text import clean
from coach.resources import prompt
from coach.skills import Skill

DEFAULT_CONCURRENCY = 48  # hosted APIs take many small requests at once (429s are retried)
LOCAL_CONCURRENCY = (
    8  # a model on this machine (Ollama, LM Studio) mostly queues them; don't time out waiting
)
DEFAULT_MAX_PRINCIPLES = 8
_STATUSES = ("honoured", "violated", "not_applicable")


class LLMJudgeError(RuntimeError):
    """The LLM judge could not produce a verdict; the message says why (never includes the key)."""


class MalformedResponse(ValueError):
    pass


class LLMJudge:
    name = "llm"

    def __init__(
        self,
        rubric: Rubric,
        settings: Settings,
        *,
        concurrency: int | None = None,
        max_principles: int = DEFAULT_MAX_PRINCIPLES,
        cache_dir: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        if not settings.llm_enabled:
            raise LLMJudgeError("no LLM configured: set OPENAI_API_KEY, or OPENAI_BASE_URL and COACH_MODEL")
        model = settings.llm_model
        if not model:
            raise LLMJudgeError("set COACH_MODEL to the model your OpenAI-compatible server should use")
        self.rubric = rubric
        self.settings = settings
        self.model = model
        self.concurrency = concurrency or default_concurrency(settings.base_url)
        self.max_principles = max_principles
        self.cache_dir = (cache_dir or settings.cache_dir) / "judge"
        self.use_cache = use_cache
        self.attempts = 1 + max(0, settings.max_retries)
        self._system = prompt("judge_system")
        self._template = prompt("judge_principle")
        self._selector = RuleJudge(rubric, classifier=None)  # cheap: picks the principles worth a call first
        self.calls = 0  # requests actually sent (cache misses), for reports and tests

    # ---- public -----------------------------------------------------------------------------
    def judge(self, advice: str, skill: Skill | str | None, user: str = "") -> Judgement:
        """Blocking form; safe to call from inside a running event loop (uses a worker thread then)."""
        coro_factory = lambda: self.ajudge(advice, skill, user)  # noqa: E731
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coro_factory())
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = asyncio.run(coro_factory())
            except BaseException as exc:  # re-raised in the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    async def ajudge(self, advice: str, skill: Skill | str | None, user: str = "") -> Judgement:
        outcome = (await self.ajudge_many([(advice, skill, user)]))[0]
        if outcome[1] is not None:
            error = outcome[1]
            raise (LLMJudgeError(error) if not error.startswith("input: ") else ValueError(error[7:]))
        return outcome[0]

    async def ajudge_many(
        self, items: Sequence[tuple[str, Skill | str | None, str]], on_done: Callable[[], None] | None = None
    ) -> list[tuple[Judgement | None, str | None]]:
        """Judge many texts concurrently; one (judgement, None) or (None, error message) per item."""
        semaphore = asyncio.Semaphore(self.concurrency)
        client = _ClientPool(self.settings, self.concurrency)
        try:

            async def one(item: tuple[str, Skill | str | None, str]) -> tuple[Judgement | None, str | None]:
                try:
                    return await self._judge_one(client, semaphore, *item), None
                except ValueError as exc:
                    return None, f"input: {exc}"
                except LLMJudgeError as exc:
                    return None, str(exc)
                finally:
                    if on_done:
                        on_done()

            return list(await asyncio.gather(*(one(item) for item in items)))
        finally:
            await client.close()

    # ---- one text ---------------------------------------------------------------------------
    def select(self, advice: str, skill: Skill | None, user: str) -> list[Principle]:
        """The principles worth a call: those the rule judge saw evidence for, then by severity."""
        candidates = self.rubric.for_skill(skill)
        seen = {r.principle_id for r in self._selector.judge(advice, skill, user).applicable}
        order = {"high": 0, "medium": 1, "low": 2}
        ranked = sorted(candidates, key=lambda p: (p.id not in seen, order[p.severity]))
        return ranked[: self.max_principles]

    async def _judge_one(
        self, client: Any, semaphore: asyncio.Semaphore, advice: str, skill: Skill | str | None, user: str
    ) -> Judgement:
        text = check_text(advice)
        wanted = to_skill(skill)
        principles = self.select(text, wanted, user)
        verdicts = await asyncio.gather(
            *(self._principle(client, semaphore, p, text, wanted, clean(user or "")) for p in principles)
        )
        results = [self._result(p, v, text) for p, v in zip(principles, verdicts, strict=True)]
        score = combine([(p, r.status) for p, r in zip(principles, results, strict=True)])
        order = {"violated": 0, "honoured": 1, "not_applicable": 2}
        results.sort(key=lambda r: order[r.status])
        return Judgement("contradicts" if score < 0.5 else "aligned", score, results, judge=self.name)

    def _messages(
        self, principle: Principle, advice: str, skill: Skill | None, user: str
    ) -> list[dict[str, str]]:
        bullet = lambda items: "\n".join(f"- {x}" for x in items)  # noqa: E731
        body = self._template.format(
            title=principle.title,
            statement=principle.statement,
            honoured=principle.honoured,
            violated=principle.violated,
            examples_honoured=bullet(principle.examples_honoured),
            examples_violated=bullet(principle.examples_violated),
            skill=skill.value if skill else "any",
            user=user.strip() or "(not given)",
            advice=advice.strip(),
        )
        return [{"role": "system", "content": self._system}, {"role": "user", "content": body}]

    def cache_key(self, messages: list[dict[str, str]]) -> str:
        payload = json.dumps([self.model, messages], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    async def _principle(
        self,
        client: Any,
        semaphore: asyncio.Semaphore,
        principle: Principle,
        advice: str,
        skill: Skill | None,
        user: str,
    ) -> dict[str, str]:
        messages = self._messages(principle, advice, skill, user)
        key = self.cache_key(messages)
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        last_error = "no attempt made"
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(min(2.0, 0.2 * 2 ** (attempt - 1)))
            async with semaphore:
                try:
                    self.calls += 1
                    response = await client.next().chat.completions.create(
                        model=self.model,
                        messages=messages,
                        temperature=0,
                        response_format={"type": "json_object"},
                    )
                except Exception as exc:  # classified below; only transient ones are retried
                    retry, last_error = _classify(exc)
                    if not retry:
                        raise LLMJudgeError(last_error) from exc
                    continue
            try:
                content = response.choices[0].message.content if response.choices else None
                verdict = parse_verdict(content)
            except MalformedResponse as exc:
                last_error = f"the model's answer was not the JSON asked for ({exc})"
                continue
            self._cache_put(key, verdict)
            return verdict
        raise LLMJudgeError(f"judging '{principle.id}' failed after {self.attempts} attempts: {last_error}")

    def _result(self, principle: Principle, verdict: dict[str, str], advice: str) -> PrincipleResult:
        status = verdict["status"]
        evidence = verdict.get("evidence", "")
        if evidence and " ".join(evidence.lower().split()) not in " ".join(advice.lower().split()):
            evidence = ""  # a quote the text does not contain is not evidence
        reason = verdict.get("reason") or verdict.get("explanation", "")
        return PrincipleResult(
            principle.id,
            principle.title,
            status,
            principle.severity,
            evidence[:240],
            " ".join(reason.split())[:200],
            principle.better if status == "violated" else "",
        )

    # ---- cache ------------------------------------------------------------------------------
    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cache_get(self, key: str) -> dict[str, str] | None:
        if not self.use_cache:
            return None
        try:
            return parse_verdict(self._cache_path(key).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, MalformedResponse):
            return None  # missing or damaged entries are simply recomputed

    def _cache_put(self, key: str, verdict: dict[str, str]) -> None:
        if not self.use_cache:
            return
        path = self._cache_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_text(json.dumps(verdict, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, path)
        except OSError:
            pass  # a read-only cache only costs speed


class _ClientPool:
    """A few OpenAI clients, each with a small connection pool.

    httpcore scans every pooled connection on each request event, which costs O(connections) per event;
    with dozens of concurrent requests on one client that dominated the judge's CPU time. Small pools, used
    in turn, keep that cost flat.
    """

    PER_CLIENT = 8

    def __init__(self, settings: Settings, concurrency: int) -> None:
        import httpx
        from openai import AsyncOpenAI

        size = min(self.PER_CLIENT, concurrency)
        count = max(1, -(-concurrency // size))
        self._clients = [
            AsyncOpenAI(
                api_key=settings.api_key_value,
                base_url=settings.base_url,
                timeout=settings.request_timeout,
                max_retries=0,
                http_client=httpx.AsyncClient(
                    limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                    timeout=settings.request_timeout,
                ),
            )
            for _ in range(count)
        ]
        self._turn = 0

    def next(self) -> Any:
        self._turn = (self._turn + 1) % len(self._clients)
        return self._clients[self._turn]

    async def close(self) -> None:
        for client in self._clients:
            await client.close()


def default_concurrency(base_url: str | None) -> int:
    host = urlsplit(base_url).hostname if base_url else None
    return LOCAL_CONCURRENCY if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") else DEFAULT_CONCURRENCY


def parse_verdict(content: str | None) -> dict[str, str]:
    """Validate the model's JSON answer; raise MalformedResponse saying what is wrong."""
    if not content or not content.strip():
        raise MalformedResponse("empty answer")
    text = content.strip()
    if text.startswith("```"):  # some models wrap JSON in a code fence despite the instructions
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedResponse(f"invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise MalformedResponse("not a JSON object")
    status = str(data.get("status", "")).strip().lower().replace(" ", "_").replace("-", "_")
    status = {"honored": "honoured", "na": "not_applicable", "n/a": "not_applicable"}.get(status, status)
    if status not in _STATUSES:
        raise MalformedResponse(f"status must be one of {', '.join(_STATUSES)}, got {data.get('status')!r}")
    out = {"status": status}
    for key in ("explanation", "evidence", "reason"):
        value = data.get(key, "")
        out[key] = clean(value) if isinstance(value, str) else ""
    return out


def _classify(exc: Exception) -> tuple[bool, str]:
    """(retry?, message) for an exception from the OpenAI client."""
    import openai

    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return False, "the LLM server refused the API key (check OPENAI_API_KEY)"
    if isinstance(exc, openai.NotFoundError):
        return False, "the LLM server does not know that model (check COACH_MODEL) or the URL is wrong"
    if isinstance(exc, openai.BadRequestError):
        return False, f"the LLM server rejected the request ({exc.status_code})"
    if isinstance(exc, openai.RateLimitError):
        return True, "the LLM server is rate-limiting requests (429)"
    if isinstance(exc, openai.APITimeoutError):
        return True, "the LLM server timed out"
    if isinstance(exc, openai.APIConnectionError):
        return True, "could not connect to the LLM server (check OPENAI_BASE_URL)"
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500, f"the LLM server answered with an error ({exc.status_code})"
    return False, f"unexpected error from the LLM client: {type(exc).__name__}"
