"""The ``day``, ``what-if``, ``replay`` and ``live`` commands: arguments in, tables out."""

from __future__ import annotations

import argparse
from datetime import date

from simulator.day_figures import day_report, render_report, render_table
from simulator.day_simulation import simulate_day
from simulator.hall_profile import DEFAULT_PROFILE, HallProfile, load_profile
from simulator.progress_line import ProgressLine


def run_command(args: argparse.Namespace) -> int:
    if args.command == "day":
        return _day(args)
    if args.command == "what-if":
        return _what_if(args)
    if args.command == "replay":
        return _replay(args)
    if args.command == "live":
        return _live(args)
    return 2


def _profile(args: argparse.Namespace) -> HallProfile:
    return load_profile(args.profile or DEFAULT_PROFILE)


def _day(args: argparse.Namespace) -> int:
    if args.learn_from:
        from simulator.ticket_history import learn_profile

        if not (args.first and args.last):
            raise ValueError("--learn-from needs --from and --to (YYYY-MM-DD)")
        profile = learn_profile(
            args.learn_from,
            args.site,
            date.fromisoformat(args.first),
            date.fromisoformat(args.last),
            args.weekday,
        )
    else:
        profile = _profile(args)
    bar = ProgressLine("Mô phỏng / simulating")
    result = simulate_day(profile, args.seed, on_progress=bar.update)
    bar.close()
    print(
        f"{profile.name}: one simulated day (seed {args.seed}), {len(profile.counters)} counters\n"
    )
    print(render_report(day_report(result)))
    return 0


def what_if_table(args: argparse.Namespace) -> str:
    from simulator.staffing import checked_staffing, parse_arrivals, parse_target, staffing_plan

    fraction, target_s = parse_target(args.target)
    pairs = parse_arrivals(args.arrivals)
    if args.service_min <= 0:
        raise ValueError("--service-min must be positive")
    mean_s = args.service_min * 60
    plans = staffing_plan([a for _, a in pairs], mean_s, fraction, target_s, pairs[0][0])
    simulated: dict[int, tuple[float, float]] = {}
    checked: list[int] = []
    if args.check_by_simulation:
        bar = ProgressLine("Kiểm tra bằng mô phỏng / simulating")
        checked, simulated = checked_staffing(
            plans,
            mean_s,
            args.service_cv,
            fraction,
            target_s,
            args.runs,
            args.seed,
            on_progress=bar.update,
        )
        bar.close()
    headers = ["hour", "arrivals", "load (Erl)", "counters", "P(wait)", "SL Erlang C", "mean wait"]
    if simulated:
        headers += ["counters checked", "SL simulated", "sim. wait"]
    rows = []
    for i, p in enumerate(plans):
        row = [
            f"{p.hour:02d}:00",
            f"{p.arrivals:g}",
            f"{p.load_erlangs:.2f}",
            str(p.counters),
            f"{p.probability_of_waiting * 100:.0f} %",
            f"{p.service_level * 100:.1f} %",
            f"{p.mean_wait_s / 60:.1f} min",
        ]
        if simulated:
            sl, wait = simulated.get(p.hour, (float("nan"), float("nan")))
            row += [str(checked[i]), f"{sl * 100:.1f} %", f"{wait / 60:.1f} min"]
        rows.append(row)
    title = (
        f"Lĩnh vực / field {args.field}: target {fraction * 100:g} % called within "
        f"{target_s / 60:g} min, mean service {args.service_min:g} min"
    )
    note = (
        "\nCounters needed per hour by Erlang C (Poisson arrivals, exponential service)."
        + (
            f"\nChecked: {args.runs} simulated days per round, service CV {args.service_cv:g}; "
            "a queue left at the end of an hour carries into the next, so an hour that\n"
            "misses the target in simulation gets one more counter until every hour meets it."
            if simulated
            else ""
        )
        + "\n"
    )
    text = f"{title}\n\n{render_table(headers, rows)}\n{note}"
    if args.appointment_share is not None:
        text += "\n" + reservation_table(plans, mean_s, fraction, target_s, args)
    return text


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _minutes(seconds: float) -> str:
    return "queue grows" if seconds == float("inf") else f"{seconds / 60:.1f} min"


def reservation_table(plans, mean_s: float, fraction: float, target_s: float,
                      args: argparse.Namespace) -> str:
    """What keeping ``--reserve-counters`` counters for appointments does to each hour."""
    from simulator.staffing import reserved_counters

    if args.reserve_counters < 0:
        raise ValueError("--reserve-counters must not be negative")
    hours = reserved_counters(plans, mean_s, fraction, target_s, args.appointment_share,
                              args.reserve_counters)
    headers = ["hour", "walk-ins", "appointments", "counters", "kept for appts",
               "SL walk-ins", "walk-in wait", "SL appts", "needed if kept apart", "extra"]
    rows = [
        [f"{h.hour:02d}:00", f"{h.walk_ins:g}", f"{h.appointments:g}", str(h.pooled),
         str(h.reserved), _pct(h.walk_in_service_level), _minutes(h.walk_in_mean_wait_s),
         _pct(h.appointment_service_level), str(h.needed_split), f"{h.extra:+d}"]
        for h in hours
    ]
    title = (
        f"Giữ quầy cho lịch hẹn / counters kept for appointments: "
        f"{args.appointment_share * 100:g} % of the arrivals booked, "
        f"{args.reserve_counters} of each hour's counters serve appointments only"
    )
    note = (
        "\nSL walk-ins: the walk-ins on the other counters (Erlang C); SL appts: the booked "
        "citizens on the kept ones.\nneeded if kept apart: counters meeting the target for "
        "both groups served apart; extra: more than\none shared queue needs (the price of "
        "reserving). Without reserving, appointment tickets share the\ncounters and are "
        "called first once due, within the field's max_share.\n"
    )
    return f"{title}\n\n{render_table(headers, rows)}\n{note}"


def _what_if(args: argparse.Namespace) -> int:
    print(what_if_table(args))
    return 0


def _replay(args: argparse.Namespace) -> int:
    from simulator.replay import render_replay, replay_day

    profile = _profile(args)
    bar = ProgressLine(f"Phát lại / replaying ×{args.speed:g}")
    outcome = replay_day(
        profile, args.workdir, speed=args.speed, seed=args.seed, on_progress=bar.update
    )
    bar.close()
    print(render_replay(outcome))
    return 0 if outcome.live.lost == 0 and outcome.live.duplicate_calls == 0 else 1


def _live(args: argparse.Namespace) -> int:
    from simulator.live_hall import LiveHall

    profile = _profile(args)
    plan = simulate_day(profile, args.seed)
    bar = ProgressLine(f"Sảnh thật / live hall ×{args.speed:g}")
    hall = LiveHall(
        server_url=args.server,
        token=args.token,
        mqtt_url=args.mqtt,
        site=args.site,
        plan=plan,
        speed=args.speed,
        on_progress=bar.update,
        finish_queue=args.finish_queue,
    )
    report = hall.run(timeout_s=args.timeout)
    bar.close()
    refused = ", ".join(f"{k} {v}" for k, v in report.refused.items()) or "0"
    print(
        f"Live drive ×{args.speed:g}: {report.wall_s:.0f} s\n"
        f"  citizens {report.planned}, tickets issued {report.issued}, refused: {refused}, "
        f"lost {report.lost}\n"
        f"  calls {report.calls} (+{report.recalls} recalls), duplicate calls "
        f"{report.duplicate_calls}, duplicate numbers {report.duplicated_numbers}\n"
        f"  commands {dict(report.commands)}, results {dict(report.results)}"
    )
    return 0 if report.lost == 0 and report.duplicate_calls == 0 else 1
