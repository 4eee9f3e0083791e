"""The open model's one schedule and dropping rule, played by both transports (asyncio, gevent);
the weighted choice among ready operations and seeding from answers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import gevent  # type: ignore[import-untyped]
import gevent.pool  # type: ignore[import-untyped]
import pytest

from signoff.config import LoadOpen
from signoff.errors import EvidenceError
from signoff.load import arrivals, mix
from signoff.load.arrivals import Arrival

# rates whose spacing is exact in binary, so that no stage gains an arrival at its end
STEADY = [{"phase": "steady", "duration_s": 2.0, "rate": 8.0, "rate_end": 0.0}]
SLOW_S = 1.0  # each request of the saturation tests takes this long


def test_the_schedule_plays_each_stage_at_its_rate_and_names_its_phase() -> None:
    stages = [*STEADY, {"phase": "ramp", "duration_s": 2.0, "rate": 10.0, "rate_end": 30.0}]
    found = list(arrivals.schedule(stages, 100.0, share=0.5))
    by_phase = Counter(a.phase for a in found)
    assert by_phase["steady"] == 8  # half of 8 a second for 2 s
    assert 15 < by_phase["ramp"] < 25  # half of 10 rising to 30 over 2 s: about 20
    assert found[0].intended == 100.0
    assert found[1].intended == 100.25
    assert min(a.intended for a in found if a.phase == "ramp") == 102.0
    assert {a.target for a in found} == {0}


def test_split_arrivals_go_to_each_target_once_per_block() -> None:
    found = list(arrivals.schedule(STEADY * 3, 0.0, share=2.0, targets=2))
    assert len(found) == 96
    blocks = [tuple(a.target for a in found[i : i + 2]) for i in range(0, len(found), 2)]
    assert all(set(block) == {0, 1} for block in blocks)
    assert set(blocks) == {(0, 1), (1, 0)}  # in random order


def _saturated(play: Any) -> tuple[list[float], list[float]]:
    """One slot, requests of SLOW_S, a lag of 0.7 s: how late each sent arrival started (ms
    after its intended start), and the intended starts of those dropped."""
    sent: list[float] = []
    dropped: list[float] = []
    limits = LoadOpen(max_in_flight=1, max_lag_s=0.7, requests=())
    play(limits, sent, dropped)
    return sent, dropped


def _async(limits: LoadOpen, sent: list[float], dropped: list[float]) -> None:
    async def send(arrival: Arrival, chosen: str) -> None:
        sent.append(arrivals.latency_ms(arrival.intended, time.perf_counter()))
        await asyncio.sleep(SLOW_S)

    schedule = arrivals.schedule(STEADY, time.perf_counter(), 0.25)  # one each 0.5 s
    drop = lambda arrival, chosen: dropped.append(arrival.intended)  # noqa: E731
    asyncio.run(arrivals.play_async(schedule, limits, lambda a: "op", send, drop))


def _gevent(limits: LoadOpen, sent: list[float], dropped: list[float]) -> None:
    def send(arrival: Arrival, chosen: str) -> None:
        sent.append(arrivals.latency_ms(arrival.intended, time.time()))
        gevent.sleep(SLOW_S)

    schedule = arrivals.schedule(STEADY, time.time(), 0.25)
    drop = lambda arrival, chosen: dropped.append(arrival.intended)  # noqa: E731
    pool = gevent.pool.Pool(limits.max_in_flight)
    arrivals.play(schedule, limits, lambda a: "op", send, drop, pool, gevent.sleep)


@pytest.mark.parametrize("play", [_async, _gevent], ids=["asyncio", "gevent"])
def test_both_transports_wait_for_a_slot_until_the_lag_then_drop(play: Any) -> None:
    # arrivals at 0, 0.5, 1 and 1.5 s; each request holds the one slot for 1 s: the first is
    # sent on time; the second waits 0.5 s for the slot (within its 0.7 s lag); the third
    # would wait 1 s and is dropped at its lag; the fourth gets the slot the second frees
    late, dropped = _saturated(play)
    assert len(dropped) == 1, (late, dropped)
    assert late == pytest.approx([0.0, 500.0, 500.0], abs=100)


@pytest.mark.parametrize("play", [arrivals.play_async, arrivals.play], ids=["asyncio", "gevent"])
def test_an_arrival_with_nothing_ready_is_dropped_at_once(play: Any) -> None:
    limits = LoadOpen(max_in_flight=5, max_lag_s=10.0, requests=())
    schedule = list(arrivals.schedule(STEADY, 0.0, 0.25))
    dropped: list[Arrival] = []

    def refuse(arrival: Arrival, chosen: Any) -> None:
        raise AssertionError("nothing was ready to send")

    args = (schedule, limits, lambda a: None, refuse, lambda a, c: dropped.append(a))
    if play is arrivals.play:
        play(*args, gevent.pool.Pool(5), gevent.sleep)
    else:
        asyncio.run(play(*args))
    assert dropped == schedule


NOTE = mix.MixOperation("GET /api/notes/{note_id}", weight=3.0)
LIST = mix.MixOperation("GET /api/notes", weight=1.0)
CREATE = mix.MixOperation("POST /api/notes", save={"note_id": "id"})
DELETE = mix.MixOperation("DELETE /api/notes/{note_id}")


def test_the_weighted_choice_takes_only_ready_operations() -> None:
    def urls(values: dict[str, str]) -> Counter[str]:
        picked = [mix.pick([NOTE, LIST], values) for _ in range(4000)]
        return Counter(chosen[1] for chosen in picked if chosen is not None)

    assert mix.pick([NOTE], {}) is None
    assert urls({}) == {"/api/notes": 4000}
    assert urls({"note_id": "7"})["/api/notes/7"] / 4000 == pytest.approx(0.75, abs=0.04)


def test_only_a_successful_answer_seeds_values_and_a_delete_forgets_them() -> None:
    saved: dict[str, str] = {}
    assert not mix.answered(CREATE, 500, lambda: {"id": 1}, saved)
    assert not mix.answered(CREATE, 302, lambda: {"id": 1}, saved)
    assert saved == {}
    assert mix.answered(CREATE, 201, lambda: {"id": 1}, saved)
    assert saved == {"note_id": "1"}
    assert mix.answered(DELETE, 204, lambda: None, saved)
    assert saved == {}


def test_seeds_are_sent_in_order_each_filling_the_next() -> None:
    sent: list[str] = []

    def send(op: mix.MixOperation, url: str) -> mix.Answer:
        sent.append(url)
        return mix.Answer(201, "", lambda: {"id": len(sent)})

    saved: dict[str, str] = {}
    mix.seed([CREATE, NOTE], send, saved, "http://a")
    assert sent == ["/api/notes", "/api/notes/1"]
    with pytest.raises(EvidenceError, match="has no value for note_id"):
        mix.seed([NOTE], send, {}, "http://a")
    refused = lambda op, url: mix.Answer(422, "bad title", dict)  # noqa: E731
    with pytest.raises(EvidenceError, match="to http://a answered 422: bad title"):
        mix.seed([CREATE], refused, {}, "http://a")
