#!/usr/bin/env python3
"""Writes company A's raw business records for 2021-2022 and its other 2022 figures.

Deterministic: one `random.Random(2022)` drives everything, in a fixed order, so running
the script twice gives byte-identical files. Python 3.11, standard library only.

    python3 examples/sales-company/records/generate.py

Reads (never writes) `assignments.csv`, `targets.csv` and `actuals.csv` next to this
folder, and writes:

- `records/orders.csv`      CRM orders, 2021-01 to 2022-12 (2021 is the growth base)
- `records/deliveries.csv`  ERP purchase deliveries, 2021-12 to 2022-12
- `records/hr_events.csv`   OA/HR openings, hires and exits, 2022
- `records/followups.csv`   CRM customer follow-ups and new offline channels, 2022
- `records/schemas.json`    the field types of the four record sets
- `units.csv`               the organisation tree
- `actuals-2022.csv`        the 2022 monthly figures that are not derived from records

Amounts are in 万元 with 2 decimals; timestamps are local time (+08:00) `YYYY-MM-DD HH:MM:SS`;
dates are `YYYY-MM-DD`; an empty cell is a missing value. The data are extracted at the end
of 2022-12-31: orders not yet confirmed then are `pending`, deliveries not yet arrived have
no `delivered_at`.
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
SNAPSHOT = datetime(2022, 12, 31, 23, 59, 59)

rng = random.Random(2022)


# --- helpers ---------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:] if line]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = [",".join(header)]
    for row in rows:
        for cell in row:
            if any(c in cell for c in ',"\n\r'):
                raise ValueError(f"{path.name}: cell needs quoting: {cell!r}")
        out.append(",".join(row))
    path.write_text("\n".join(out) + "\n", encoding="utf-8", newline="\n")


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def money(cents: int) -> str:
    """万元 with 2 decimals from hundredths of 万元."""
    return f"{cents // 100}.{cents % 100:02d}"


def num(x: float, places: int = 1) -> str:
    """A plain decimal without trailing zeros."""
    text = f"{x:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    y, m = first
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days_in(y: int, m: int) -> int:
    nxt = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return (nxt - date(y, m, 1)).days


def random_time(y: int, m: int, hours: tuple[int, int]) -> datetime:
    day = rng.randint(1, days_in(y, m))
    return datetime(y, m, day, rng.randint(hours[0], hours[1]), rng.randint(0, 59), rng.randint(0, 59))


# --- the company -----------------------------------------------------------------------

people = read_csv(EXAMPLE / "assignments.csv")
quota = {r["subject"]: float(r["target"]) for r in read_csv(EXAMPLE / "targets.csv")}
jan = {(r["subject"], r["indicator"]): r["value"] for r in read_csv(EXAMPLE / "actuals.csv")}
reps = [p for p in people if p["role"] == "sales_rep"]
region = {p["subject"]: p["region"] for p in people}

# A rep's level against their quota, from their January figure, pulled towards 1.
perf = {
    r["subject"]: clamp(1 + 0.35 * (float(jan[(r["subject"], "sales_amount")]) / quota[r["subject"]] - 1), 0.9, 1.15)
    for r in reps
}
# Year-over-year growth: 6.5 % in January rising to 24.1 % in December, plus a rep's own offset.
growth_offset = {r["subject"]: rng.uniform(-0.05, 0.06) for r in reps}
SEASON = [1.12, 0.86, 0.95, 0.96, 1.00, 1.05, 0.94, 0.98, 1.08, 1.00, 1.06, 1.00]


def level(rep: str, y: int, m: int) -> float:
    """The rep's expected sales for the month, 万元."""
    base = quota[rep] * perf[rep] * SEASON[m - 1] * (0.94 + 0.012 * (m - 1))
    if y == 2022:
        return base
    return base / (1 + 0.065 + 0.016 * (m - 1) + growth_offset[rep])


# --- orders (CRM) ----------------------------------------------------------------------

online_base = {
    r["subject"]: rng.uniform(0.47, 0.56) if region[r["subject"]] == "south" else rng.uniform(0.18, 0.27)
    for r in reps
}
hours_offset = {r["subject"]: rng.uniform(-2.0, 2.0) for r in reps}
next_customer = 1
pools: dict[str, list[tuple[str, float]]] = {}  # rep -> (customer, how often they order)


def new_customer_id() -> str:
    global next_customer
    cid = f"C{next_customer:04d}"
    next_customer += 1
    return cid


for r in reps:
    pools[r["subject"]] = [(new_customer_id(), rng.lognormvariate(0, 0.8)) for _ in range(rng.randint(30, 45))]


def processing_hours(rep: str, y: int, m: int) -> float:
    if y == 2021:
        mean, outliers = 32.0, 0.05
    else:
        mean, outliers = 27.0 - 1.1 * (m - 1), 0.05 - 0.0032 * (m - 1)
    mean = clamp(mean + hours_offset[rep], 6, 38)
    if rng.random() < outliers:
        return rng.uniform(45, 90)
    a = 6 * (mean - 4) / 36
    return 4 + 36 * rng.betavariate(a, 6 - a)


orders: list[list[str]] = []
first_orders_2022: list[tuple[str, str, datetime]] = []  # rep, customer, submitted
for y, m in months((2021, 1), (2022, 12)):
    month_orders = []
    for r in reps:
        rep = r["subject"]
        total = round(level(rep, y, m) * rng.gauss(1, 0.07) * 100)
        n = int(clamp(round(total / 100 / rng.uniform(2.2, 3.4)), 10, 30))
        weights = [rng.lognormvariate(0, 0.45) for _ in range(n)]
        cents = [max(20, round(total * w / sum(weights))) for w in weights]
        biggest = cents.index(max(cents))
        cents[biggest] += total - sum(cents)
        times = sorted(random_time(y, m, (8, 21)) for _ in range(n))
        k = int(clamp(round(rng.gauss(4.5 + (perf[rep] - 1) * 6, 1.5)), 2, 8))
        new_at = set(rng.sample(range(n), k))
        # channels: online until the month's online share is reached, in random order
        share = online_base[rep] + (0.004 * (m - 1) if y == 2022 and region[rep] == "south" else 0)
        share = share - (0.03 if y == 2021 else 0) + rng.gauss(0, 0.025)
        # (no single order carries more than 60 % of the month's online amount)
        online = [False] * n
        done = 0
        fits = [i for i in range(n) if cents[i] <= 0.6 * share * total]
        for i in rng.sample(fits, len(fits)):
            if done + cents[i] / 2 <= share * total:
                online[i] = True
                done += cents[i]
        for _ in range(3):  # then flip the one order that brings the share closest, if any
            error = done - share * total
            i = min(fits, key=lambda j: abs(error + (-cents[j] if online[j] else cents[j])))
            if abs(error + (-cents[i] if online[i] else cents[i])) >= abs(error):
                break
            done += -cents[i] if online[i] else cents[i]
            online[i] = not online[i]
        pool = pools[rep]
        for i in range(n):
            if i in new_at:
                customer = new_customer_id()
                pool.append((customer, rng.lognormvariate(0, 0.8)))
                if y == 2022:
                    first_orders_2022.append((rep, customer, times[i]))
            else:
                customer = rng.choices([c for c, _ in pool], [w for _, w in pool])[0]
            confirmed = times[i] + timedelta(seconds=round(processing_hours(rep, y, m) * 3600))
            if rng.random() < 0.03:
                status, confirmed_at = "cancelled", ""
            elif confirmed > SNAPSHOT:
                status, confirmed_at = "pending", ""
            else:
                status, confirmed_at = "confirmed", ts(confirmed)
            month_orders.append(
                [
                    times[i],
                    rep,
                    customer,
                    region[rep],
                    "online" if online[i] else "offline",
                    money(cents[i]),
                    ts(times[i]),
                    confirmed_at,
                    status,
                    "true" if i in new_at else "false",
                ]
            )
    month_orders.sort(key=lambda o: (o[0], o[1]))
    for seq, o in enumerate(month_orders, 1):
        orders.append([f"SO{y}{m:02d}{seq:04d}"] + o[1:])


# --- deliveries (ERP purchasing) -------------------------------------------------------

buyers = {"E201": (0.02, 2.6), "E202": (0.0, 2.0), "E203": (0.03, 3.4), "E204": (-0.04, 1.6), "E004": (0.0, 2.8)}
suppliers = [f"SUP{i:02d}" for i in range(1, 16)]
deliveries: list[list[str]] = []
overdue_left = 2  # late deliveries that never arrived (a disputed shipment or two)
for y, m in months((2021, 12), (2022, 12)):
    rows = []
    for buyer, (skill, saving_mean) in buyers.items():
        n = rng.randint(2, 5) if buyer == "E004" else rng.randint(30, 42)
        if (y, m) == (2021, 12):
            p = 0.86
        elif m <= 2:
            p = 0.875
        elif m == 3:
            p = 0.95
        elif m == 4:
            p = 0.96
        else:
            p = 0.97
        p = clamp(p + skill * (1 if m <= 2 or y == 2021 else 0.35), 0.5, 0.995)
        noise = 0 if buyer == "E004" else rng.gauss(0, 0.8)
        late = int(clamp(round(n * (1 - p) + noise), 0, n))
        late_at = set(rng.sample(range(n), late))
        for i in range(n):
            promised = datetime(y, m, rng.randint(1, days_in(y, m)), rng.choice([9, 10, 14, 16]))
            if i in late_at:
                minutes = 24 * 60 + (1 if rng.random() < 0.1 else rng.randint(2, 72 * 60))
            else:
                u = rng.random()
                if u < 0.12:  # early
                    minutes = -rng.randint(60, 48 * 60)
                elif u < 0.16:  # exactly at the 24-hour limit: still on time
                    minutes = 24 * 60
                else:
                    minutes = rng.randint(0, 24 * 60 - 1)
            delivered = promised + timedelta(minutes=minutes)
            delivered_at = "" if delivered > SNAPSHOT else ts(delivered)
            if i in late_at and y == 2022 and m in (5, 9) and overdue_left > 0 and delivered_at:
                delivered_at = ""
                overdue_left -= 1
            list_cents = int(clamp(round(rng.lognormvariate(math.log(8), 0.6) * 100), 100, 4000))
            rate = clamp(rng.uniform(saving_mean - 1, saving_mean + 1), 1, 5)
            amount = round(list_cents * (1 - rate / 100))
            rows.append(
                [promised, buyer, rng.choice(suppliers), ts(promised), delivered_at,
                 money(list_cents), money(amount), money(list_cents - amount)]
            )
    rows.sort(key=lambda d: (d[0], d[1]))
    for seq, d in enumerate(rows, 1):
        deliveries.append([f"PO{y}{m:02d}{seq:04d}"] + d[1:])


# --- HR events (OA/HR) -----------------------------------------------------------------

hr_rows = []
next_hire = 401
hired: list[tuple[str, str, date]] = []  # employee, unit, date
other_staff = [(f"E{600 + i}", u) for i, u in enumerate(
    ["南区销售部", "北区销售部", "南区销售部", "北区销售部", "运营部", "采购部", "行政部", "南区销售部", "北区销售部", "运营部"], 1)]
for m in range(1, 13):
    openings = 7 if m == 1 else rng.randint(3, 6)
    filled = sum(rng.random() < 0.85 for _ in range(openings))
    hires = 6 if m == 1 else max(filled, math.ceil(0.6 * openings))
    units = [rng.choice(["南区销售部", "南区销售部", "北区销售部", "北区销售部", "北区销售部"]) for _ in range(openings)]
    for unit in units:
        hr_rows.append([date(2022, m, rng.randint(1, 10)), "opening", unit, ""])
    for unit in units[:hires]:
        day = date(2022, m, rng.randint(11, days_in(2022, m)))
        employee = f"E{next_hire}"
        next_hire += 1
        hired.append((employee, unit, day))
        hr_rows.append([day, "hire", unit, employee])
    for _ in range(rng.randint(0, 2)):
        day = date(2022, m, rng.randint(1, days_in(2022, m)))
        early = [h for h in hired if (day - h[2]).days > 45]
        if early and rng.random() < 0.4:
            leaver = rng.choice(early)
            hired.remove(leaver)
            employee, unit = leaver[0], leaver[1]
        elif other_staff:
            employee, unit = other_staff.pop(rng.randrange(len(other_staff)))
        else:
            continue
        hr_rows.append([day, "exit", unit, employee])
hr_rows.sort(key=lambda e: (e[0], ["opening", "hire", "exit"].index(e[1]), e[3]))
hr_events = [[f"HR{i:04d}", kind, "E006", unit, employee, d.isoformat()]
             for i, (d, kind, unit, employee) in enumerate(hr_rows, 1)]


# --- follow-ups (CRM) ------------------------------------------------------------------

fu_rows = []
for rep, customer, first in first_orders_2022:
    hours = rng.uniform(2, 72) if rng.random() < 0.85 else rng.uniform(73, 160)
    at = first + timedelta(seconds=round(hours * 3600))
    if at <= SNAPSHOT:
        fu_rows.append([at, rep, customer, rng.choice(["visit", "call", "call"])])
next_dealer = 1
for m in range(1, 13):
    for r in reps:
        rep = r["subject"]
        known = [c for c, _ in pools[rep]]
        for kind, (lo, hi) in (("visit", (6, 14)), ("call", (10, 24))):
            for _ in range(rng.randint(lo, hi)):
                fu_rows.append([random_time(2022, m, (9, 19)), rep, rng.choice(known), kind])
        opened = rng.randint(1, 4) if region[rep] == "north" else (1 if rng.random() < 0.1 else 0)
        for _ in range(opened):
            fu_rows.append([random_time(2022, m, (9, 18)), rep, f"D{next_dealer:03d}", "channel_opened"])
            next_dealer += 1
fu_rows.sort(key=lambda f: (f[0], f[1], f[2]))
followups = [[f"FU{i:05d}", rep, customer, ts(at), kind] for i, (at, rep, customer, kind) in enumerate(fu_rows, 1)]


# --- units and 2022 figures not derived from records -----------------------------------

units = [
    ["A公司", "A公司", "", ""],
    ["总经办", "总经办", "A公司", ""],
    ["销售中心", "销售中心", "A公司", ""],
    ["南区销售部", "南区销售部", "销售中心", "south"],
    ["北区销售部", "北区销售部", "销售中心", "north"],
    ["采购部", "采购部", "A公司", ""],
    ["运营部", "运营部", "A公司", ""],
    ["人力资源部", "人力资源部", "A公司", ""],
    ["行政部", "行政部", "A公司", ""],
]

# (subject, indicator, January value when actuals.csv has none, monthly step, noise, places, low, high)
SERIES = [
    ("E001", "new_regions_opened", None, 0, 0, 0, 0, 3),
    ("E001", "cost_control_rate", None, 0.15, 1.5, 1, 94, 106),
    ("E001", "team_retention_rate", None, 0.2, 1.2, 1, 88, 99),
    ("E004", "inventory_turnover", None, 0.01, 0.05, 2, 0.8, 1.7),
    ("E201", "inventory_turnover", None, 0.01, 0.06, 2, 0.8, 1.7),
    ("E202", "inventory_turnover", None, 0.01, 0.06, 2, 0.8, 1.7),
    ("E203", "inventory_turnover", None, 0.005, 0.06, 2, 0.8, 1.7),
    ("E204", "inventory_turnover", None, 0.02, 0.06, 2, 0.8, 1.7),
    ("E005", "complaint_rate", None, -0.035, 0.08, 2, 0.2, 1.2),
    ("E005", "process_improvement_proposals", None, 0, 0, 0, 2, 6),
    ("E005", "support_satisfaction", None, 0.4, 2.0, 1, 70, 95),
    ("E301", "support_satisfaction", None, 0.1, 1.5, 1, 80, 96),
    ("E302", "support_satisfaction", None, 0.5, 2.0, 1, 68, 90),
    ("E303", "support_satisfaction", None, 0.8, 2.0, 1, 60, 85),
    ("E006", "new_hire_retention_rate", None, 0.3, 2.5, 1, 70, 95),
    ("E006", "training_completion_rate", None, 0.1, 2.0, 1, 86, 100),
    ("E006", "sales_team_satisfaction", "79", 0.3, 1.8, 1, 70, 92),
    ("E301", "office_process_efficiency", None, 0.05, 0.8, 1, 90, 100),
    ("E302", "office_process_efficiency", None, 0.3, 1.2, 1, 84, 100),
    ("E303", "office_process_efficiency", None, 0.6, 1.5, 1, 76, 100),
]
values: dict[tuple[str, str, int], str] = {}
for subject, indicator, first, step, noise, places, lo, hi in SERIES:
    start = jan.get((subject, indicator), first)
    assert start is not None, (subject, indicator)
    values[(subject, indicator, 1)] = start
    for m in range(2, 13):
        if indicator == "new_regions_opened":
            v = str(rng.choices([0, 1, 2, 3], [25, 40, 25, 10])[0])
        elif indicator == "process_improvement_proposals":
            v = str(rng.randint(lo, hi))
        else:
            x = float(start) + step * (m - 1) + rng.gauss(0, noise)
            v = num(clamp(x, lo, hi), places)
        values[(subject, indicator, m)] = v

proposers = [p["subject"] for p in people]
actual_rows = []
for m in range(1, 13):
    period = f"2022-{m:02d}"
    for subject, indicator, *_ in SERIES:
        actual_rows.append([period, subject, indicator, values[(subject, indicator, m)]])
        if (subject, indicator) == ("E005", "support_satisfaction"):
            # the sales team's survey of the support functions, kept on the sales centre
            actual_rows.append([period, "销售中心", indicator, values[(subject, indicator, m)]])
    if m == 1:
        accepted = {s: v for (s, i), v in jan.items() if i == "accepted_proposals"}
    else:
        accepted = {s: str(rng.randint(1, 3)) for s in rng.sample(proposers, rng.randint(0, 3))}
    for p in people:
        if p["subject"] in accepted:
            actual_rows.append([period, p["subject"], "accepted_proposals", accepted[p["subject"]]])
    for p in people:
        breaches = jan.get((p["subject"], "compliance_breaches"), "0") if m == 1 else "0"
        actual_rows.append([period, p["subject"], "compliance_breaches", breaches])


# --- schemas and output ----------------------------------------------------------------


def field(name: str, kind: str, optional: bool = False) -> dict:
    return {"name": name, "kind": kind, "optional": optional}


schemas = {
    "orders": [
        field("order_id", "text"), field("rep", "text"), field("customer", "text"),
        field("region", "text"), field("channel", "text"), field("amount", "decimal"),
        field("submitted_at", "timestamp"), field("confirmed_at", "timestamp", True),
        field("status", "text"), field("new_customer", "boolean"),
    ],
    "deliveries": [
        field("delivery_id", "text"), field("buyer", "text"), field("supplier", "text"),
        field("promised_at", "timestamp"), field("delivered_at", "timestamp", True),
        field("list_amount", "decimal"), field("amount", "decimal"), field("saving", "decimal"),
    ],
    "hr_events": [
        field("event_id", "text"), field("kind", "text"), field("owner", "text"),
        field("unit", "text"), field("employee", "text", True), field("date", "date"),
    ],
    "followups": [
        field("followup_id", "text"), field("rep", "text"), field("customer", "text"),
        field("at", "timestamp"), field("kind", "text"),
    ],
}
tables = {"orders": orders, "deliveries": deliveries, "hr_events": hr_events, "followups": followups}
for name, rows in tables.items():
    write_csv(HERE / f"{name}.csv", [f["name"] for f in schemas[name]], rows)
sets = [
    f'  "{name}": [\n' + ",\n".join("    " + json.dumps(f, ensure_ascii=False) for f in fields) + "\n  ]"
    for name, fields in schemas.items()
]
(HERE / "schemas.json").write_text("{\n" + ",\n".join(sets) + "\n}\n", encoding="utf-8", newline="\n")
write_csv(EXAMPLE / "units.csv", ["id", "name", "parent", "region"], units)
write_csv(EXAMPLE / "actuals-2022.csv", ["period", "subject", "indicator", "value"], actual_rows)

# Sanity: savings are exact and confirmed sales grew as intended.
for d in deliveries:
    assert Decimal(d[5]) - Decimal(d[6]) == Decimal(d[7]), d
if __name__ == "__main__":
    by_year = {2021: Decimal(0), 2022: Decimal(0)}
    for o in orders:
        if o[8] == "confirmed":
            year = int(o[7][:4])
            if year in by_year:
                by_year[year] += Decimal(o[5])
    growth = (by_year[2022] - by_year[2021]) / by_year[2021] * 100
    print(f"orders {len(orders)}, deliveries {len(deliveries)}, hr_events {len(hr_events)}, "
          f"followups {len(followups)}, actuals-2022 {len(actual_rows)}")
    print(f"confirmed sales 2021 {by_year[2021]} 万元, 2022 {by_year[2022]} 万元, growth {growth:.2f} %")
