"""A stand-in for `python -m adapters.rule_check` that meets durable_rules' hazards for real.

The rule language cannot express a shape that hangs or crashes durable_rules (the compiler
never emits one), so the tests use this child to show what the parent does if one is met:
- a rule file containing `# hazard: hang` registers a rule whose only test is a negative
  existence test and asserts a fact: durable_rules 2.0.28 then spins with the GIL held;
- `# hazard: crash` deletes a session in which no rule fired: memory corruption that usually ends
  in SIGSEGV or SIGABRT; when the corruption happens not to fault this time, the child raises
  SIGSEGV itself, so that what is tested (the parent's handling of a crashed child) never
  depends on luck;
- any other input is checked by the real child, so start-up and good reloads work as usual.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys

from durable import engine as durable

from adapters.rule_check import run_child


class _QuietHost(durable.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """No background threads, as in engine.matcher."""


def hang() -> None:
    host = _QuietHost()
    host.register_rulesets({"hazard": {"r": {"all": [{"m": {"$nex": {"x": 1}}}], "run": lambda c: None}}})
    host.assert_facts("hazard", [{"sid": "1", "y": 2}])


def crash() -> None:
    host = _QuietHost()
    host.register_rulesets({"hazard": {"r": {"all": [{"m": {"x": 1}}], "run": lambda c: None}}})
    with contextlib.suppress(durable.MessageNotHandledException):  # nothing matched: the point
        host.assert_facts("hazard", [{"sid": "1", "x": 2}])
    host.delete_state("hazard", "1")
    os.kill(os.getpid(), signal.SIGSEGV)  # the corruption did not fault on its own this time


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    text = "\n".join(request["files"].values())
    if "# hazard: hang" in text:
        hang()
    if "# hazard: crash" in text:
        crash()
    print(json.dumps(run_child(request)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
