"""A site file (DESIGN.md section 9) for a simulated hall, to load into a real server.

Fields become services open all day with no daily limit (the simulation decides who
comes, and a replay at ×300 must not hit opening hours of the real clock); counters
keep their numbers and fields; one kiosk device issues every ticket.
"""

from __future__ import annotations

import json

from simulator.hall_profile import HallProfile

KIOSK = "kiosk-1"


def site_file_text(profile: HallProfile, site: str | None = None) -> str:
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [
        "[site]",
        f"id = {q(site or profile.site)}",
        f"name = {q(profile.name)}",
        'timezone = "Asia/Ho_Chi_Minh"',
        f"priority_mode = {q(profile.priority_mode)}",
        f"max_priority_in_row = {profile.max_priority_in_row}",
        "",
    ]
    for f in profile.fields:
        lines += [
            "[[services]]",
            f"code = {q(f.code)}",
            f"name_vi = {q(f.name or f.code)}",
            f"target_wait_min = {max(1, round(f.target_wait_s / 60))}",
            "number_width = 4",
            "",
        ]
    for c in profile.counters:
        lines += [
            "[[counters]]",
            f"number = {q(c.number)}",
            f"services = [{', '.join(q(code) for code in c.fields)}]",
            "",
        ]
    lines += ["[[devices]]", f"id = {q(KIOSK)}", 'kind = "kiosk"', ""]
    return "\n".join(lines)
