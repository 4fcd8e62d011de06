"""Where widgets sit on a board's 12-column grid: the placement rules, as pure functions.

A widget is a box of `w` columns by `h` rows at column `x`, row `y` (from 0). Boxes never
overlap and always rise as far as they can (gravity, like gridstack.js with float off, which
drives the drag and resize in Edit mode). A box that is moved or resized keeps the place asked
for unless it can rise; the others keep their reading order and settle around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

COLUMNS = 12
MAX_HEIGHT = 24


@dataclass(frozen=True)
class Box:
    id: int
    x: int
    y: int
    w: int
    h: int

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def shares_columns(self, other: Box) -> bool:
        return self.x < other.x + other.w and other.x < self.x + self.w


def clamp(box: Box) -> Box:
    """Widths 1–12, heights 1–24, inside the 12 columns, no negative rows."""
    w = min(max(box.w, 1), COLUMNS)
    h = min(max(box.h, 1), MAX_HEIGHT)
    return replace(box, w=w, h=h, x=min(max(box.x, 0), COLUMNS - w), y=max(box.y, 0))


def settle(boxes: Iterable[Box], *, moved: Box | None = None) -> list[Box]:
    """Every box at the highest free place in its columns, taken in reading order (row, then
    column); `moved` (clamped) goes first among boxes asking for the same row, so dropping a
    widget onto another's row puts it in that place and the other below."""
    others = [clamp(box) for box in boxes if moved is None or box.id != moved.id]
    queue = others + ([clamp(moved)] if moved is not None else [])
    moved_id = moved.id if moved is not None else None
    queue.sort(key=lambda box: (box.y, box.id != moved_id, box.x, box.id))
    placed: list[Box] = []
    for box in queue:
        y = 0
        while True:
            candidate = replace(box, y=y)
            blocker = next((other for other in placed if other.overlaps(candidate)), None)
            if blocker is None:
                break
            y = blocker.bottom
        placed.append(candidate)
    return sorted(placed, key=reading_order)


def reading_order(box: Box) -> tuple[int, int, int]:
    return (box.y, box.x, box.id)


def place_new(boxes: Iterable[Box], *, id: int, w: int, h: int) -> Box:  # noqa: A002
    """Where a new widget of this size goes: the first free place in reading order, so a
    small widget fills a gap beside others before starting a new row."""
    placed = [clamp(box) for box in boxes]
    size = clamp(Box(id, 0, 0, w, h))
    bottom = max((box.bottom for box in placed), default=0)
    for y in range(bottom + 1):
        for x in range(COLUMNS - size.w + 1):
            candidate = replace(size, x=x, y=y)
            if not any(other.overlaps(candidate) for other in placed):
                return candidate
    return replace(size, x=0, y=bottom)


NUDGES = ("left", "right", "up", "down", "wider", "narrower", "taller", "shorter")


def nudge(boxes: list[Box], *, id: int, step: str) -> list[Box]:  # noqa: A002
    """One keyboard (or no-JavaScript) step for one box: the same result as the drag it
    stands for. Up and down trade places with the nearest box above or below in the same
    columns; at an edge nothing changes."""
    if step not in NUDGES:
        raise ValueError(step)
    current = {box.id: box for box in settle(boxes)}
    box = current[id]
    if step == "up":
        above = [
            o for o in current.values() if o.id != id and o.shares_columns(box) and o.y < box.y
        ]
        if not above:
            return list(current.values())
        target = max(above, key=lambda o: (o.y, o.x))
        return settle(current.values(), moved=replace(box, y=target.y))
    if step == "down":
        below = [
            o for o in current.values() if o.id != id and o.shares_columns(box) and o.y > box.y
        ]
        if not below:
            return list(current.values())
        target = min(below, key=lambda o: (o.y, o.x))
        # The one below takes this box's row, so this one settles after it.
        return settle(current.values(), moved=replace(target, y=box.y))
    changes = {
        "left": {"x": box.x - 1},
        "right": {"x": box.x + 1},
        "wider": {"w": box.w + 1, "x": box.x if box.x + box.w < COLUMNS else box.x - 1},
        "narrower": {"w": box.w - 1},
        "taller": {"h": box.h + 1},
        "shorter": {"h": box.h - 1},
    }[step]
    return settle(current.values(), moved=replace(box, **changes))
