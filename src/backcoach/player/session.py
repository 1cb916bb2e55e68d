"""The guided-session state machine: a pure object driven by a clock, with no I/O.

Use
---
``player = SessionPlayer(plan, clock)`` then ``player.start(pain_before=3)``; call
``player.tick()`` often (10-20 times a second) and draw ``player.snapshot()``. Every command
and every tick returns the ``PlayerEvent``\\ s that happened, in order; hand them to a
``backcoach.journal.recorder.SessionRecorder`` and speak their ``cue``. Options:
``stop_pain_above`` (the planning setting of that name), ``intro_seconds``,
``between_seconds``, and ``catalog`` (so snapshots carry the start position and steps).
``PlayerEvent.to_dict()`` and ``Snapshot.to_dict()`` are JSON-able for a browser.

Each plan item runs: an intro (start position and steps; ``ready()`` or ``intro_seconds``
starts it), then for every repetition and every ``Part`` of the dose (``Dose.part_list()``):
MOVE (``move_seconds``) -> HOLD (``hold_seconds``, skipped when 0) -> RETURN
(``return_seconds``); REST (``rest_seconds``) between repetitions; BETWEEN
(``between_seconds``) before the next exercise.

Commands: ``start``, ``ready``, ``pause``/``resume``/``toggle_pause`` (time is frozen while
paused), ``skip`` (the current exercise ends as skipped, reps done are kept), ``report_pain``
(any moment; a score above ``stop_pain_above`` stops the session with a reason), ``quit``
(keeps what was done). After the session finished, commands do nothing.

Camera counting (for the web front end)
---------------------------------------
``SessionPlayer(plan, clock, counting="camera")``: the timers still run the MOVE/HOLD/RETURN
cycle as guidance, but the timer never counts a rep; when RETURN ends without a count the
cycle starts again for the same part. A rep part is counted only by
``player.camera_rep(side, hold_seconds)``, called when the analyzer reports a completed rep
(``side``: the analyzer's "left" | "right" | "both", or None to take the part's own side;
``hold_seconds``: the hold the camera measured). It counts the part the player is on
(in the intro it counts the first part; in a rest it starts the next repetition) and moves
on exactly as the timer would, emitting PART_FINISHED with ``counted_by=camera``. It is
ignored while paused or between exercises. ``set_counting("timer")`` switches to the timer
(e.g. the person goes on without the camera) from the next rep part on. The web front end
records with ``SessionRecorder(store, front_end="web")`` and passes the analyzer's form
warnings to ``recorder.add_form_warning(code, message)``.
"""

from __future__ import annotations

from backcoach.catalog.schema import Catalog, Dose, Part, Side
from backcoach.planning.pain import validate_pain
from backcoach.planning.plan import Plan, PlanItem
from backcoach.planning.settings import Settings
from backcoach.player import cues
from backcoach.player.clock import Clock
from backcoach.player.events import (
    CountedBy,
    Counting,
    EventKind,
    Phase,
    PlayerEvent,
    PlayerState,
    RepDone,
    SessionStatus,
    SetResult,
    SetStatus,
    Snapshot,
)

DEFAULT_STOP_PAIN_ABOVE = Settings().stop_pain_above
DEFAULT_INTRO_SECONDS = 15.0
DEFAULT_BETWEEN_SECONDS = 5.0

_SET_PHASES = frozenset({Phase.INTRO, Phase.MOVE, Phase.HOLD, Phase.RETURN, Phase.REST})
_CAMERA_SIDES = frozenset({Side.LEFT.value, Side.RIGHT.value, Side.BOTH.value})


class SessionPlayer:
    def __init__(
        self,
        plan: Plan,
        clock: Clock,
        *,
        counting: Counting | str = Counting.TIMER,
        stop_pain_above: int = DEFAULT_STOP_PAIN_ABOVE,
        intro_seconds: float = DEFAULT_INTRO_SECONDS,
        between_seconds: float = DEFAULT_BETWEEN_SECONDS,
        catalog: Catalog | None = None,
    ) -> None:
        self.plan = plan
        self._clock = clock
        self._counting = Counting(counting)
        self.stop_pain_above = stop_pain_above
        self._intro_seconds = intro_seconds
        self._between_seconds = between_seconds
        self._catalog = catalog
        self._units = [item.dose.reps * len(item.dose.part_list()) for item in plan.items]

        self._state = PlayerState.NOT_STARTED
        self._phase = Phase.IDLE
        self._index = -1
        self._rep = 0
        self._part = 0
        self._left = 0.0
        self._phase_total = 0.0
        self._last = clock.now()
        self._t = self._last
        self._cue = ""
        self._results: list[SetResult] = []
        self._status: SessionStatus | None = None
        self._reason: str | None = None
        self._final_progress = 0.0

    # ----------------------------------------------------------------- reading
    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def counting(self) -> Counting:
        return self._counting

    @property
    def status(self) -> SessionStatus | None:
        return self._status

    @property
    def reason(self) -> str | None:
        return self._reason

    @property
    def finished(self) -> bool:
        return self._state is PlayerState.FINISHED

    @property
    def results(self) -> tuple[SetResult, ...]:
        """What was done so far, one entry per exercise begun."""
        return tuple(self._results)

    def snapshot(self) -> Snapshot:
        item = self._item
        dose = item.dose if item else None
        parts = dose.part_list() if dose else ()
        in_set = self._phase in _SET_PHASES
        part = parts[self._part] if in_set and parts else None
        exercise = None
        if item and self._catalog is not None and item.exercise_id in self._catalog.ids:
            exercise = self._catalog.get(item.exercise_id)
        next_index = self._index + 1
        next_item = (
            self.plan.items[next_index]
            if self._phase is Phase.BETWEEN and next_index < len(self.plan.items)
            else None
        )
        return Snapshot(
            state=self._state,
            phase=self._phase,
            counting=self._counting,
            exercise_count=len(self.plan.items),
            exercise_index=self._index if item else None,
            item=item,
            start_position=exercise.start_position if exercise else "",
            steps=exercise.steps if exercise else (),
            part=part,
            part_index=self._part if part else 0,
            part_count=len(parts),
            side=part.side.value if part else None,
            rep=self._rep if in_set else 0,
            reps=dose.reps if dose else 0,
            seconds_left=max(0.0, self._left),
            phase_seconds=self._phase_total,
            progress=self._progress(),
            cue=self._cue,
            next_item=next_item,
            status=self._status,
            reason=self._reason,
        )

    # ---------------------------------------------------------------- commands
    def start(self, pain_before: int | None = None) -> list[PlayerEvent]:
        """Begin the session (once). Pain before above the limit ends it at once."""
        if pain_before is not None:
            validate_pain(pain_before)
        if self._state is not PlayerState.NOT_STARTED:
            return []
        self._last = self._t = self._clock.now()
        self._state = PlayerState.RUNNING
        events = [
            self._emit(
                PlayerEvent(
                    EventKind.SESSION_STARTED, self._t, plan=self.plan, pain_before=pain_before
                )
            )
        ]
        if pain_before is not None and pain_before > self.stop_pain_above:
            reason = cues.pain_before_stop(pain_before, self.stop_pain_above)
            return events + self._finish_session(SessionStatus.STOPPED_PAIN, reason)
        if not self.plan.items:
            return events + self._finish_session(SessionStatus.COMPLETED, None)
        events += self._begin_exercise(0)
        return events + self._advance(0.0)

    def tick(self) -> list[PlayerEvent]:
        """Move on by the time the clock says has passed."""
        now = self._clock.now()
        elapsed = max(0.0, now - self._last)
        self._last = now
        if self._state is not PlayerState.RUNNING:
            return []
        self._t = now - elapsed
        events = self._advance(elapsed)
        self._t = now
        return events

    def ready(self) -> list[PlayerEvent]:
        """The person is in position: end the intro (or a rest) now."""
        events = self.tick()
        if self._state is PlayerState.RUNNING and self._phase in (
            Phase.INTRO,
            Phase.REST,
            Phase.BETWEEN,
        ):
            self._left = 0.0
            events += self._advance(0.0)
        return events

    def pause(self) -> list[PlayerEvent]:
        events = self.tick()
        if self._state is PlayerState.RUNNING:
            self._state = PlayerState.PAUSED
            events.append(self._emit(PlayerEvent(EventKind.PAUSED, self._t, cue=cues.paused())))
        return events

    def resume(self) -> list[PlayerEvent]:
        events = self.tick()
        if self._state is PlayerState.PAUSED:
            self._last = self._t = self._clock.now()  # the paused time is dropped
            self._state = PlayerState.RUNNING
            events.append(self._emit(PlayerEvent(EventKind.RESUMED, self._t, cue=cues.resumed())))
        return events

    def toggle_pause(self) -> list[PlayerEvent]:
        return self.resume() if self._state is PlayerState.PAUSED else self.pause()

    def skip(self) -> list[PlayerEvent]:
        """End the current exercise as skipped (between exercises: skip the next one)."""
        events = self.tick()
        if self._state not in (PlayerState.RUNNING, PlayerState.PAUSED):
            return events
        if self._phase is Phase.BETWEEN:
            events += self._begin_exercise(self._index + 1)
        if self._phase in _SET_PHASES:
            events += self._finish_set(SetStatus.SKIPPED) + self._after_set()
        return events

    def report_pain(self, score: int) -> list[PlayerEvent]:
        """Pain now, 0-10. Above ``stop_pain_above`` the session stops and says why."""
        validate_pain(score)
        events = self.tick()
        if self._state is PlayerState.FINISHED:
            return events
        stops = score > self.stop_pain_above
        events.append(
            self._emit(
                PlayerEvent(
                    EventKind.PAIN_REPORTED, self._t, pain=score, stops=stops, cue=cues.pain(score)
                )
            )
        )
        if stops:
            progress = self._progress()
            if self._phase in _SET_PHASES:
                events += self._finish_set(SetStatus.STOPPED)
            reason = cues.pain_stop(score, self.stop_pain_above)
            events += self._finish_session(SessionStatus.STOPPED_PAIN, reason, progress)
        return events

    def quit(self, reason: str | None = None) -> list[PlayerEvent]:
        """End now, keeping every rep part already done."""
        events = self.tick()
        if self._state is PlayerState.FINISHED:
            return events
        progress = self._progress()
        if self._phase in _SET_PHASES:
            events += self._finish_set(SetStatus.STOPPED)
        return events + self._finish_session(SessionStatus.QUIT, reason, progress)

    def camera_rep(self, side: str | None = None, hold_seconds: float = 0.0) -> list[PlayerEvent]:
        """Count the current rep part from the camera (only with ``counting="camera"``)."""
        if self._counting is not Counting.CAMERA:
            raise ValueError("camera_rep needs a player made with counting='camera'")
        events = self.tick()
        if self._state is not PlayerState.RUNNING or self._phase not in _SET_PHASES:
            return events
        if self._phase is Phase.REST:
            self._rep += 1
            self._part = 0
        part = self._parts[self._part]
        chosen = side if side in _CAMERA_SIDES else part.side.value
        return events + self._count_part(chosen, max(0.0, hold_seconds), CountedBy.CAMERA)

    def set_counting(self, counting: Counting | str) -> None:
        self._counting = Counting(counting)

    # --------------------------------------------------------------- machinery
    @property
    def _item(self) -> PlanItem | None:
        if 0 <= self._index < len(self.plan.items):
            return self.plan.items[self._index]
        return None

    @property
    def _dose(self) -> Dose:
        item = self._item
        assert item is not None
        return item.dose

    @property
    def _parts(self) -> tuple[Part, ...]:
        return self._dose.part_list()

    def _counted_by(self) -> CountedBy:
        return CountedBy.CAMERA if self._counting is Counting.CAMERA else CountedBy.HAND

    def _emit(self, event: PlayerEvent) -> PlayerEvent:
        if event.cue:
            self._cue = event.cue
        return event

    def _set_phase(self, phase: Phase, seconds: float) -> None:
        self._phase = phase
        self._left = self._phase_total = max(0.0, seconds)

    def _advance(self, elapsed: float) -> list[PlayerEvent]:
        events: list[PlayerEvent] = []
        while self._state is PlayerState.RUNNING:
            if elapsed < self._left:
                self._left -= elapsed
                self._t += elapsed
                break
            elapsed -= self._left
            self._t += self._left
            self._left = 0.0
            events += self._phase_ended()
        return events

    def _phase_ended(self) -> list[PlayerEvent]:
        dose = self._dose
        if self._phase is Phase.INTRO:
            return self._begin_part()
        if self._phase is Phase.MOVE:
            if dose.hold_seconds > 0:
                self._set_phase(Phase.HOLD, dose.hold_seconds)
                part = self._parts[self._part]
                return [
                    self._emit(
                        PlayerEvent(
                            EventKind.PART_HELD,
                            self._t,
                            cue=cues.hold(dose.hold_seconds),
                            exercise_index=self._index,
                            rep=self._rep,
                            part=part,
                            side=part.side.value,
                            hold_seconds=dose.hold_seconds,
                        )
                    )
                ]
            return self._begin_return()
        if self._phase is Phase.HOLD:
            return self._begin_return()
        if self._phase is Phase.RETURN:
            if self._counting is Counting.CAMERA:
                return self._begin_part()  # guide the same part again until the camera counts
            part = self._parts[self._part]
            return self._count_part(part.side.value, dose.hold_seconds, CountedBy.HAND)
        if self._phase is Phase.REST:
            self._rep += 1
            self._part = 0
            return self._begin_part()
        if self._phase is Phase.BETWEEN:
            return self._begin_exercise(self._index + 1)
        raise AssertionError(f"no phase follows {self._phase}")

    def _begin_exercise(self, index: int) -> list[PlayerEvent]:
        self._index = index
        self._rep = 1
        self._part = 0
        item = self.plan.items[index]
        self._results.append(SetResult(exercise_index=index, item=item))
        self._set_phase(Phase.INTRO, self._intro_seconds)
        return [
            self._emit(
                PlayerEvent(
                    EventKind.EXERCISE_STARTED,
                    self._t,
                    cue=cues.exercise(item),
                    exercise_index=index,
                    item=item,
                    counted_by=self._counted_by(),
                )
            )
        ]

    def _begin_part(self) -> list[PlayerEvent]:
        dose = self._dose
        part = self._parts[self._part]
        self._set_phase(Phase.MOVE, dose.move_seconds)
        return [
            self._emit(
                PlayerEvent(
                    EventKind.PART_STARTED,
                    self._t,
                    cue=cues.part_start(part, self._rep, dose.reps, part_count=len(self._parts)),
                    exercise_index=self._index,
                    rep=self._rep,
                    part=part,
                    side=part.side.value,
                )
            )
        ]

    def _begin_return(self) -> list[PlayerEvent]:
        part = self._parts[self._part]
        self._set_phase(Phase.RETURN, self._dose.return_seconds)
        return [
            self._emit(
                PlayerEvent(
                    EventKind.PART_RELEASED,
                    self._t,
                    cue=cues.release(),
                    exercise_index=self._index,
                    rep=self._rep,
                    part=part,
                    side=part.side.value,
                )
            )
        ]

    def _count_part(self, side: str, hold: float, counted_by: CountedBy) -> list[PlayerEvent]:
        dose = self._dose
        part = self._parts[self._part]
        self._results[-1].reps.append(RepDone(self._rep, part.key, side, hold, counted_by))
        events = [
            self._emit(
                PlayerEvent(
                    EventKind.PART_FINISHED,
                    self._t,
                    exercise_index=self._index,
                    item=self._item,
                    rep=self._rep,
                    part=part,
                    side=side,
                    hold_seconds=hold,
                    counted_by=counted_by,
                )
            )
        ]
        if self._part + 1 < len(self._parts):
            self._part += 1
            return events + self._begin_part()
        if self._rep < dose.reps and dose.rest_seconds <= 0:
            self._rep += 1
            self._part = 0
            return events + self._begin_part()
        if self._rep < dose.reps:
            self._set_phase(Phase.REST, dose.rest_seconds)
            events.append(
                self._emit(
                    PlayerEvent(
                        EventKind.REST_STARTED,
                        self._t,
                        cue=cues.rest(dose.rest_seconds),
                        exercise_index=self._index,
                        seconds=dose.rest_seconds,
                    )
                )
            )
            return events
        return events + self._finish_set(SetStatus.COMPLETED) + self._after_set()

    def _finish_set(self, status: SetStatus) -> list[PlayerEvent]:
        self._results[-1].status = status
        event = self._emit(
            PlayerEvent(
                EventKind.SET_FINISHED,
                self._t,
                exercise_index=self._index,
                item=self._item,
                status=status.value,
            )
        )
        # Out of the set's phases, so a later skip/quit/stop cannot finish it twice.
        self._phase = Phase.BETWEEN
        return [event]

    def _after_set(self) -> list[PlayerEvent]:
        next_index = self._index + 1
        if next_index >= len(self.plan.items):
            return self._finish_session(SessionStatus.COMPLETED, None)
        self._set_phase(Phase.BETWEEN, self._between_seconds)
        return [
            self._emit(
                PlayerEvent(
                    EventKind.REST_STARTED,
                    self._t,
                    cue=cues.between(self.plan.items[next_index], self._between_seconds),
                    exercise_index=self._index,
                    seconds=self._between_seconds,
                    between_exercises=True,
                )
            )
        ]

    def _finish_session(
        self, status: SessionStatus, reason: str | None, progress: float | None = None
    ) -> list[PlayerEvent]:
        """End the session; ``progress`` is where the bar stood before a stop ended the set."""
        if status is SessionStatus.COMPLETED:
            progress = 1.0
        self._final_progress = self._progress() if progress is None else progress
        self._state = PlayerState.FINISHED
        self._phase = Phase.FINISHED
        self._left = self._phase_total = 0.0
        self._status = status
        self._reason = reason
        cue = {
            SessionStatus.COMPLETED: cues.finished(),
            SessionStatus.QUIT: cues.quit_(),
            SessionStatus.STOPPED_PAIN: reason or "",
        }[status]
        return [
            self._emit(
                PlayerEvent(
                    EventKind.SESSION_FINISHED, self._t, cue=cue, status=status.value, reason=reason
                )
            )
        ]

    def _progress(self) -> float:
        if self._phase is Phase.FINISHED:
            return self._final_progress
        total = sum(self._units)
        if total == 0 or self._index < 0:
            return 0.0
        done = float(sum(self._units[: self._index]))
        if self._phase is Phase.BETWEEN:
            done += self._units[self._index]
        elif self._phase in _SET_PHASES:
            dose = self._dose
            parts = len(self._parts)
            done += (self._rep - 1) * parts + self._part
            if self._phase is Phase.REST:
                done = sum(self._units[: self._index]) + self._rep * parts
            else:
                done += self._part_fraction(dose)
        return min(1.0, done / total)

    def _part_fraction(self, dose: Dose) -> float:
        cycle = dose.move_seconds + dose.hold_seconds + dose.return_seconds
        spent = self._phase_total - self._left
        if self._phase is Phase.HOLD:
            spent += dose.move_seconds
        elif self._phase is Phase.RETURN:
            spent += dose.move_seconds + dose.hold_seconds
        elif self._phase is not Phase.MOVE:
            return 0.0
        return min(1.0, spent / cycle)
