"""JUnit XML: one test case per gate, so any CI lists the gates as tests.

A required gate that FAILs is a <failure>, one that is INCONCLUSIVE an <error>; an advisory
gate that did not pass is <skipped> with its verdict in the message, so it is visible
without failing the job. WAIVED gates pass with the waiver in system-out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar

from signoff.records import Status
from signoff.report import wording
from signoff.report.interface import Renderer
from signoff.report.results import Results
from signoff.verdicts import Gate


def _text(gate: Gate) -> str:
    figure = (
        "not measured"
        if gate.figure is None
        else wording.measured(gate.figure, gate.unit, gate.low, gate.high)
    )
    threshold = (
        ""
        if gate.threshold is None
        else f" (threshold {wording.threshold(gate.comparator, gate.threshold, gate.unit)})"
    )
    lines = [f"{gate.status.value}: measured {figure}{threshold}"]
    if gate.message:
        lines.append(gate.message)
    lines += [f"evidence: {path}" for path in gate.paths]
    return "\n".join(lines)


class JunitRenderer(Renderer):
    suffix: ClassVar[str] = ".junit.xml"

    def format(self, results: Results) -> str:
        gates = results.all_gates
        failures = sum(1 for g in gates if g.required and g.status is Status.FAIL)
        errors = sum(1 for g in gates if g.required and g.status is Status.INCONCLUSIVE)
        skipped = sum(1 for g in gates if not g.required and not g.ok)
        root = ET.Element(
            "testsuites",
            name="signoff",
            tests=str(len(gates)),
            failures=str(failures),
            errors=str(errors),
        )
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"signoff.{results.run.profile}",
            tests=str(len(gates)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
            timestamp=results.generated_at,
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("run_id", results.run.run_id),
            ("profile", results.run.profile),
            ("verdict", results.verdict.value),
        ):
            ET.SubElement(props, "property", name=key, value=value)
        for gate in gates:
            kind = "required" if gate.required else "advisory"
            case = ET.SubElement(
                suite, "testcase", classname=f"signoff.{gate.layer}", name=f"{gate.name} [{kind}]"
            )
            text = _text(gate)
            first = text.splitlines()[0]
            if gate.ok:
                ET.SubElement(case, "system-out").text = text
            elif not gate.required:
                ET.SubElement(case, "skipped", message=f"advisory gate: {first}").text = text
            elif gate.status is Status.FAIL:
                ET.SubElement(
                    case, "failure", message=gate.message or first, type="FAIL"
                ).text = text
            else:
                ET.SubElement(
                    case, "error", message=gate.message or first, type="INCONCLUSIVE"
                ).text = text
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n"
        )
