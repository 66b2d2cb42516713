"""The replay's diff report, as Markdown and as HTML: which orders change, how, why, and totals.

Locations are named as staff know them (from each decision's own snapshot); the cause of a
change is the strategy or hold rule that decides now and the first trace lines that differ.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.decision_diff import Change, Placement

if TYPE_CHECKING:
    from adapters.replay import ReplayedDecision, ReplayResult, Totals


def write_reports(result: ReplayResult, out: Path) -> tuple[Path, Path]:
    """Write `<out>.md` and `<out>.html` (a `.md` or `.html` suffix on `out` is dropped first)."""
    base = out.with_suffix("") if out.suffix in (".md", ".html") else out
    base.parent.mkdir(parents=True, exist_ok=True)
    markdown, page = base.with_name(base.name + ".md"), base.with_name(base.name + ".html")
    markdown.write_text(render_markdown(result), encoding="utf-8")
    page.write_text(render_html(result), encoding="utf-8")
    return markdown, page


def describe(placement: Placement | None, names: dict[str, str]) -> str:
    """A placement in words: `move Brooklyn Store → Newark DC (us-ship-complete)`."""
    if placement is None:
        return "not decided"

    def name(location_id: str | None) -> str:
        return names.get(location_id or "", location_id or "no location")

    action = placement.action
    if placement.parts:
        text = "split: " + ", ".join(f"{a} {name(loc)} ×{n}" for a, loc, n in placement.parts)
    elif action == "move":
        text = f"move {name(placement.source)} → {name(placement.target)}"
    elif action == "keep":
        text = f"keep at {name(placement.target)}"
    elif action == "hold":
        text = f"hold at {name(placement.source)}"
    else:
        text = action
    if placement.hold_reason:
        text += f" ({placement.hold_reason})"
    if placement.strategy:
        text += f" by {placement.strategy}"
    return text


def _names(item: ReplayedDecision) -> dict[str, str]:
    return {location.id: location.name for location in item.case.snapshot.locations}


def _cause(change: Change) -> str:
    after = change.after
    rule = after.strategy if after is not None and after.strategy else None
    return rule or "no strategy (fallback or screening)"


def _total_rows(result: ReplayResult) -> list[tuple[str, str, str, str]]:
    before, after = result.before, result.after

    def row(label: str, old: float, new: float, unit: str = "") -> tuple[str, str, str, str]:
        delta = new - old
        if isinstance(old, int) and isinstance(new, int):
            return label, f"{old}{unit}", f"{new}{unit}", f"{delta:+d}{unit}"
        return label, f"{old:.1f}{unit}", f"{new:.1f}{unit}", f"{delta:+.1f}{unit}"

    rows = [
        row("moves", before.moves, after.moves),
        row("splits", before.splits, after.splits),
        row("holds", before.holds, after.holds),
        row("kept in place", before.keeps, after.keeps),
    ]
    rows.append(row("distance shipped", before.distance_km, after.distance_km, " km"))
    rows.append(("shipments with coordinates", _measured(before), _measured(after), ""))
    return rows


def _measured(totals: Totals) -> str:
    return f"{totals.measured} of {totals.shipments}"


def _heading(result: ReplayResult) -> list[str]:
    window = f"from {result.since.isoformat()}" + (
        f" to {result.until.isoformat()}" if result.until is not None else ""
    )
    stored = ", ".join(sorted(result.stored_versions)) or "none"
    return [
        f"Rule set {result.rules_version} replayed on {result.replayed} stored decision(s) {window}"
        + (f" of {result.store}" if result.store else "")
        + ".",
        f"Stored decisions were made by rule set(s): {stored}.",
        f"{len(result.changed)} decision(s) change"
        + (", no order is decided differently." if not result.changed else "."),
    ]


def render_markdown(result: ReplayResult) -> str:
    """The report as Markdown."""
    lines = ["# Replay diff", "", *_heading(result), "", "## Totals", ""]
    lines += ["| | before | after | change |", "|---|---:|---:|---:|"]
    lines += [f"| {label} | {old} | {new} | {delta} |" for label, old, new, delta in _total_rows(result)]
    lines += ["", "## Orders that change", ""]
    if not result.changed:
        lines.append("None.")
    for item in result.changed:
        case, names = item.case, _names(item)
        lines.append(f"### {case.decision.order_name or case.decision.order_id} ({case.decision.store})")
        lines.append("")
        lines.append(
            f"Decision `{case.decision_id}` of {case.created_at.isoformat()}: "
            f"{case.decision.outcome} → {item.after.outcome}."
        )
        lines.append("")
        lines += ["| fulfillment order | from | to | caused by |", "|---|---|---|---|"]
        for change in item.changes:
            lines.append(
                f"| `{change.fulfillment_order_id}` | {_cell(describe(change.before, names))} "
                f"| {_cell(describe(change.after, names))} | {_cell(_cause(change))} |"
            )
        lines.append("")
        for change in item.changes:
            lines.append(f"- `{change.fulfillment_order_id}`: first trace lines that differ:")
            lines.append(f"  - before: `{change.before_line or '(trace ends)'}`")
            lines.append(f"  - after: `{change.after_line or '(trace ends)'}`")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_html(result: ReplayResult) -> str:
    """The report as one self-contained HTML page."""
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Replay diff</title>',
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}code{font-size:90%}</style>",
        "</head><body>",
        "<h1>Replay diff</h1>",
        *(f"<p>{e(line)}</p>" for line in _heading(result)),
        "<h2>Totals</h2>",
        "<table><tr><th></th><th>before</th><th>after</th><th>change</th></tr>",
        *(
            f"<tr><td>{e(label)}</td><td>{e(old)}</td><td>{e(new)}</td><td>{e(delta)}</td></tr>"
            for label, old, new, delta in _total_rows(result)
        ),
        "</table>",
        "<h2>Orders that change</h2>",
    ]
    if not result.changed:
        parts.append("<p>None.</p>")
    for item in result.changed:
        case, names = item.case, _names(item)
        parts.append(
            f"<h3>{e(case.decision.order_name or case.decision.order_id)} ({e(case.decision.store)})</h3>"
        )
        parts.append(
            f"<p>Decision <code>{e(case.decision_id)}</code> of {e(case.created_at.isoformat())}: "
            f"{e(case.decision.outcome)} → {e(item.after.outcome)}.</p>"
        )
        parts.append(
            "<table><tr><th>fulfillment order</th><th>from</th><th>to</th><th>caused by</th>"
            "<th>first trace lines that differ</th></tr>"
        )
        for change in item.changes:
            parts.append(
                f"<tr><td><code>{e(change.fulfillment_order_id)}</code></td>"
                f"<td>{e(describe(change.before, names))}</td><td>{e(describe(change.after, names))}</td>"
                f"<td>{e(_cause(change))}</td>"
                f"<td>before: <code>{e(change.before_line or '(trace ends)')}</code><br>"
                f"after: <code>{e(change.after_line or '(trace ends)')}</code></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
