"""A site file (DESIGN.md section 9) for a simulated hall, to load into a real server.

Fields become services open all day with no daily limit (the simulation decides who
comes, and a replay at ×300 must not hit opening hours of the real clock); counters
keep their numbers and fields; one kiosk device issues every ticket. When the profile
has citizens who book ahead, every field takes appointments all day, every day, in
5-minute slots with room for everyone (tickets ``H1…``, ``H2…`` by field), so a
booking for the slot that begins next on the real clock always succeeds.
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
    prefixes = appointment_prefixes(profile) if profile.booking_share else {}
    for f in profile.fields:
        lines += [
            "[[services]]",
            f"code = {q(f.code)}",
            f"name_vi = {q(f.name or f.code)}",
            f"target_wait_min = {max(1, round(f.target_wait_s / 60))}",
            "number_width = 4",
        ]
        if f.code in prefixes:
            lines.append(
                f"appointments = {{ slot_min = 5, per_slot = 500, days_ahead = 0, "
                f'prefix = {q(prefixes[f.code])}, hours = ["00:00-24:00"], '
                "weekdays = [1, 2, 3, 4, 5, 6, 7] }"
            )
        lines.append("")
    for c in profile.counters:
        lines += [
            "[[counters]]",
            f"number = {q(c.number)}",
            f"services = [{', '.join(q(code) for code in c.fields)}]",
            "",
        ]
    lines += ["[[devices]]", f"id = {q(KIOSK)}", 'kind = "kiosk"', ""]
    return "\n".join(lines)


def appointment_prefixes(profile: HallProfile) -> dict[str, str]:
    """An appointment ticket prefix per field, none of them a field's own prefix."""
    taken = {f.code for f in profile.fields}
    out: dict[str, str] = {}
    n = 0
    for f in profile.fields:
        n += 1
        while f"H{n}" in taken:
            n += 1
        out[f.code] = f"H{n}"
        taken.add(f"H{n}")
    return out
