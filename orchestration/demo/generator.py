"""Seedable generator for the two demo portal databases of the NPS pipeline.

The web shop and the SaaS portal deliberately disagree on schema, key type, timestamp
convention and the shape of dirty values: the pipeline exists to reconcile sources like
these. DEFECTS.md next to this file describes both schemas and every defect.

Time is modelled as whole seconds since midnight of the first day of the window (the shop
counts in Berlin local time, the SaaS portal in UTC), because integer arithmetic plus
precomputed text tables is what keeps millions of rows affordable. Each portal writes its
rows in id order while walking through the window day by day.
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from multiprocessing import get_context
from operator import itemgetter
from pathlib import Path

DAY = 86_400
HOUR = 3_600
BATCH_ROWS = 50_000
# Below this size two processes cost more to start than they save.
PARALLEL_FROM_RESPONSES = 200_000

SHOP_SHARE = 0.6
SHOP_RESPONSES_PER_CUSTOMER = 4
SAAS_RESPONSES_PER_ACCOUNT = 10

# Response-level defect rates (see DEFECTS.md). The first five are mutually exclusive.
MISSING, OUT_OF_RANGE, NOT_INTEGER, ORPHAN, FUTURE, DUPLICATE, EDITED = range(7)
DEFECT_RATES = {
    MISSING: 0.01,
    OUT_OF_RANGE: 0.005,
    NOT_INTEGER: 0.005,
    ORPHAN: 0.005,
    FUTURE: 0.003,
    DUPLICATE: 0.015,
    EDITED: 0.02,
}
EXCLUSIVE_DEFECTS = (MISSING, OUT_OF_RANGE, NOT_INTEGER, ORPHAN, FUTURE)
TEST_ACCOUNT_RATE = 0.01
CASE_RATE = 0.9

DETRACTOR, PASSIVE, PROMOTER = range(3)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 42
    responses: int = 50_000  # approximate total over both portals (60 % shop, 40 % SaaS)
    end_date: date = date(2026, 11, 30)  # last day of data (inclusive)
    months: int = 12  # history length ending at end_date


PORTAL_FILES = {"demo_shop": "demo_shop.sqlite", "demo_saas": "demo_saas.sqlite"}


def generate_demo_portals(
    target_dir: Path, options: DemoOptions = DemoOptions(), overwrite: bool = False
) -> dict[str, Path]:
    """Writes demo_shop.sqlite and demo_saas.sqlite into target_dir.

    Returns {"demo_shop": path, "demo_saas": path}. A file that exists is left alone (and its
    path returned) unless overwrite is True.
    """
    _check_options(options)
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: target_dir / file_name for name, file_name in PORTAL_FILES.items()}
    todo = [name for name, path in paths.items() if overwrite or not path.exists()]
    if len(todo) > 1 and options.responses >= PARALLEL_FROM_RESPONSES:
        # The portals use independent random streams, so building them side by side gives
        # the same bytes as building them one after the other. "spawn" avoids forking a
        # host process (Dagster, pytest) that may hold threads or locks.
        with ProcessPoolExecutor(len(todo), mp_context=get_context("spawn")) as pool:
            jobs = [pool.submit(build_portal_file, name, paths[name], options) for name in todo]
            for job in jobs:
                job.result()
    else:
        for name in todo:
            build_portal_file(name, paths[name], options)
    return paths


def build_portal_file(name: str, path: Path, options: DemoOptions) -> None:
    """Builds one portal next to its final path and renames it into place when complete."""
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        temp_path.unlink()  # sqlite must create the file itself to pick the page layout
        connection = sqlite3.connect(temp_path, isolation_level=None)
        try:
            _prepare_bulk_load(connection)
            connection.executescript(SCHEMAS[name])  # executescript commits, so before BEGIN
            connection.execute("BEGIN")
            BUILDERS[name](connection, options)
            connection.execute("COMMIT")
        finally:
            connection.close()
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)


def table_row_counts(path: Path) -> dict[str, int]:
    """Row count per table, in creation order."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            )
        ]
        return {
            name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for name in names
        }
    finally:
        connection.close()


def _check_options(options: DemoOptions) -> None:
    if options.responses < 1:
        raise ValueError("responses must be at least 1")
    if options.months < 1:
        raise ValueError("months must be at least 1")


def _prepare_bulk_load(connection: sqlite3.Connection) -> None:
    # A half-written temp file is thrown away, so journaling and fsync buy nothing here.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -1000000")


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class Window:
    start: date
    days: int

    @property
    def last_second(self) -> int:
        return self.days * DAY - 1

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def weekday(self, day: int) -> int:
        return (self.start.weekday() + day) % 7

    def month_index(self, day: int) -> int:
        moment = self.date_of(day)
        return (moment.year - self.start.year) * 12 + moment.month - self.start.month

    @property
    def month_count(self) -> int:
        return self.month_index(self.days - 1) + 1


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic that clamps to the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (first_of_next - timedelta(days=1)).day))


def window_for(options: DemoOptions) -> Window:
    start = add_months(options.end_date, -options.months) + timedelta(days=1)
    return Window(start, (options.end_date - start).days + 1)


def last_sunday_of_march(year: int) -> date:
    end_of_march = date(year, 3, 31)
    return end_of_march - timedelta(days=(end_of_march.weekday() + 1) % 7)


@lru_cache(maxsize=1)
def _clock_texts() -> tuple[str, ...]:
    return tuple(f"{s // HOUR:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))


class Clock:
    """Formats window seconds as timestamp text from lookup tables (strftime is too slow)."""

    def __init__(self, window: Window, first_day: int, separator: str, berlin: bool) -> None:
        self._first_day = first_day
        self._dates = [window.date_of(d).isoformat() for d in range(first_day, window.days)]
        self._times = _clock_texts()
        self._separator = separator
        years = range(window.date_of(first_day).year, window.date_of(window.days).year + 1)
        # 02:00-02:59 does not exist in Berlin on the spring-forward Sunday.
        self._gap_days = (
            frozenset((last_sunday_of_march(year) - window.start).days for year in years)
            if berlin
            else frozenset()
        )
        self.stamp = self._stamp_function()

    def _stamp_function(self) -> Callable[[int], str]:
        # A closure over local tables: this runs for every timestamp written.
        first, times, gap_days = self._first_day, self._times, self._gap_days
        prefixes = [text + self._separator for text in self._dates]

        def stamp(second: int) -> str:
            day, rest = divmod(second, DAY)
            if day in gap_days and 2 * HOUR <= rest < 3 * HOUR:
                rest += HOUR
            return prefixes[day - first] + times[rest]

        return stamp

    def day_parts(self, day: int) -> tuple[str, int, tuple[str, ...]] | None:
        """Date prefix, first second and time texts of a day, for formatting a day's events
        inline; None on a day that needs the daylight-saving correction."""
        if day in self._gap_days:
            return None
        prefix = self._dates[day - self._first_day] + self._separator
        return prefix, day * DAY, self._times

    def date_text(self, second: int) -> str:
        return self._dates[second // DAY - self._first_day]

    def far_future(self, second: int, end_date: date, days_after_end: int) -> str:
        """A device clock years ahead: same time of day, a date well past the data."""
        later = end_date + timedelta(days=days_after_end)
        return later.isoformat() + self._separator + self._times[second % DAY]


def season_factor(day: date, retail: bool) -> float:
    """Retail peaks before Christmas and in the Black Friday week; January and August dip."""
    if retail:
        november_30 = date(day.year, 11, 30)
        black_friday = november_30 - timedelta(days=(november_30.weekday() - 4) % 7)
        if abs((day - black_friday).days) <= 3:
            return 1.7
        if day.month == 12 and day.day <= 20:
            return 1.3
    if day.month == 12 and day.day >= 24:
        return 0.6
    if day.month == 1:
        return 0.85
    if day.month == 8:
        return 0.9
    return 1.0


def daily_weights(
    window: Window, first_day: int, last_day: int, weekday_factors: Sequence[float], retail: bool
) -> dict[int, float]:
    """Relative activity per day: weekday rhythm, season and mild growth over the window."""
    weights = {}
    for day in range(first_day, last_day + 1):
        growth = 1.0 + 0.3 * max(0.0, day) / window.days
        seasonal = season_factor(window.date_of(day), retail)
        weights[day] = weekday_factors[window.weekday(day)] * growth * seasonal
    return weights


def per_day_counts(
    rng: random.Random, weights: dict[int, float], window: Window, total: float
) -> dict[int, int]:
    """Splits `total` events over the window's days in proportion to weights, with noise."""
    in_window = sum(weight for day, weight in weights.items() if 0 <= day < window.days)
    scale = total / in_window
    counts = {}
    for day, weight in weights.items():
        expected = weight * scale * rng.uniform(0.9, 1.1)
        whole = int(expected)
        counts[day] = whole + (rng.random() < expected - whole)
    return counts


# --------------------------------------------------------------------------- sampling


def cumulative(weights: Sequence[float]) -> list[float]:
    total = float(sum(weights))
    running, result = 0.0, []
    for weight in weights:
        running += weight
        result.append(running / total)
    result[-1] = 1.0  # guards against rounding leaving a sliver above the last bucket
    return result


def second_of_day(hour_cumulative: Sequence[float], u: float) -> int:
    """Maps one uniform draw to a second of the day that follows an hourly profile."""
    hour = bisect_right(hour_cumulative, u)
    low = hour_cumulative[hour - 1] if hour else 0.0
    return hour * HOUR + int((u - low) / (hour_cumulative[hour] - low) * (HOUR - 1))


UUID_KEEP = ~((0xF000 << 64) | (0xC000 << 48))  # everything but version and variant bits
UUID_VERSION_4 = (4 << 76) | (0x8000 << 48)  # version 4, RFC 4122 variant


def uuid4_text(bits: int) -> str:
    """Same text as str(uuid.UUID(int=bits, version=4)), at a fraction of the cost."""
    digits = (bits & UUID_KEEP | UUID_VERSION_4).to_bytes(16, "big").hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def german_iban(bank_code: int, account: int) -> str:
    """A German IBAN with valid check digits, printed in groups of four."""
    bban = f"{bank_code:08d}{account:010d}"
    check = 98 - int(bban + "131400") % 97  # "DE00" with letters as numbers (D=13, E=14)
    text = f"DE{check:02d}{bban}"
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class DefectSchedule:
    """Places rare defects on a stream of responses with jittered gaps.

    Independent coin flips could leave a small demo without some defect kind; gaps drawn
    between 0.5 and 1.5 times the mean spacing keep the count close to rate x n, place the
    first hit within one mean spacing, and still look irregular.
    """

    def __init__(self, rng: random.Random, rates: dict[int, float]) -> None:
        self._rng = rng
        self._spacing = {kind: 1.0 / rate for kind, rate in rates.items()}
        self._due = {kind: rng.uniform(0.0, spacing) for kind, spacing in self._spacing.items()}
        self._position = 0
        self._next_exclusive = min(self._due[kind] for kind in EXCLUSIVE_DEFECTS)

    def advance(self) -> None:
        self._position += 1

    def is_due(self, kind: int) -> bool:
        return self._position >= self._due[kind]

    def take(self, kind: int) -> None:
        spacing = self._spacing[kind]
        self._due[kind] = self._position + self._rng.uniform(0.5 * spacing, 1.5 * spacing)

    def take_exclusive(self) -> int | None:
        """The most overdue exclusive defect, if any; the others wait for later responses."""
        if self._position < self._next_exclusive:
            return None
        kind = min(EXCLUSIVE_DEFECTS, key=self._due.__getitem__)
        self.take(kind)
        self._next_exclusive = min(self._due[kind] for kind in EXCLUSIVE_DEFECTS)
        return kind


class DayBuckets:
    """Holds events (tuples starting with their second) until their day is complete."""

    def __init__(self) -> None:
        self._days: dict[int, list[tuple]] = {}

    def add(self, event: tuple) -> None:
        self._days.setdefault(event[0] // DAY, []).append(event)

    def pop(self, day: int) -> list[tuple]:
        events = self._days.pop(day, [])
        events.sort(key=itemgetter(0))  # stable, so equal seconds keep a deterministic order
        return events


class TableSink:
    def __init__(self, connection: sqlite3.Connection, table: str, columns: int) -> None:
        self._connection = connection
        self._sql = f"INSERT INTO {table} VALUES ({', '.join('?' * columns)})"
        self.rows: list[tuple] = []

    def flush(self, force: bool = False) -> None:
        if self.rows and (force or len(self.rows) >= BATCH_ROWS):
            self._connection.executemany(self._sql, self.rows)
            self.rows.clear()


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class Touchpoint:
    name: str
    nps: float  # mean over the window, before segment shifts
    drift: str  # "rise", "fall" or "wave": how NPS moves over the months
    drift_points: float
    passive_share: float
    detractor_shape: tuple[float, ...]  # relative weights of scores 0..6
    segment_shift: tuple[float, ...]  # NPS points added per segment group
    channels: tuple[str, ...]
    channel_weights: tuple[float, ...]
    response_rates: tuple[float, ...]  # per channel
    quick_channels: frozenset[str]  # answered within minutes rather than hours or days

    @property
    def response_rate(self) -> float:
        total = sum(self.channel_weights)
        pairs = zip(self.channel_weights, self.response_rates, strict=True)
        return sum(weight * rate for weight, rate in pairs) / total


MILD_DETRACTORS = (0.03, 0.02, 0.04, 0.06, 0.10, 0.30, 0.45)
HARSH_DETRACTORS = (0.10, 0.06, 0.09, 0.11, 0.14, 0.22, 0.28)


def drift_points(shape: str, points: float, progress: float) -> float:
    if shape == "rise":
        return points * (2 * progress - 1)
    if shape == "fall":
        return -points * (2 * progress - 1)
    return points * math.sin(2 * math.pi * progress)


def score_weights(
    nps: float, passive_share: float, detractor_shape: Sequence[float]
) -> list[float]:
    """Weights for scores 0..10 whose promoter minus detractor share equals nps / 100."""
    promoters = (1 - passive_share + nps / 100) / 2
    detractors = (1 - passive_share - nps / 100) / 2
    shape_total = sum(detractor_shape)
    low = [detractors * weight / shape_total for weight in detractor_shape]
    return [*low, passive_share * 0.45, passive_share * 0.55, promoters * 0.42, promoters * 0.58]


def score_tables(touchpoint: Touchpoint, month_count: int) -> list[list[list[float]]]:
    """Cumulative score distributions indexed by [segment group][month index]."""
    tables = []
    for shift in touchpoint.segment_shift:
        per_month = []
        for month in range(month_count):
            progress = month / (month_count - 1) if month_count > 1 else 0.5
            nps = touchpoint.nps + shift
            nps += drift_points(touchpoint.drift, touchpoint.drift_points, progress)
            weights = score_weights(nps, touchpoint.passive_share, touchpoint.detractor_shape)
            per_month.append(cumulative(weights))
        tables.append(per_month)
    return tables


def nps_class(score: int) -> int:
    return DETRACTOR if score <= 6 else PASSIVE if score <= 8 else PROMOTER


def changed_score(rng: random.Random, score: int) -> int:
    """A different valid score, usually near the first one."""
    candidate = min(10, max(0, score + rng.choice((-3, -2, -1, 1, 2, 3, 4))))
    if candidate == score:
        candidate = score - 1 if score > 0 else 1
    return candidate


# --------------------------------------------------------------------------- comments

NEG, NEU, POS = "neg", "neu", "pos"

SHOP_PHRASES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "delivery_time": {
        "de": {
            NEG: (
                "Die Lieferung hat {n} Tage gedauert, viel zu lange.",
                "Paket kam verspätet an, obwohl Expressversand gewählt war.",
                "Lieferzeit war deutlich länger als angegeben.",
                "Zustellung erst beim dritten Versuch, sehr ärgerlich.",
                "Wurde {n} Tage später geliefert als versprochen.",
                "Die Sendung war ewig unterwegs, Lieferung total verspätet.",
                "Schon wieder eine verspätete Zustellung.",
                "Warte seit über einer Woche auf meine Lieferung.",
                "Der Zusteller hat das Paket beim Nachbarn abgegeben, und das {n} Tage zu spät.",
                "Lieferzeiten von {n} Tagen sind heute nicht mehr zeitgemäß.",
            ),
            NEU: (
                "Lieferung ok, könnte aber schneller sein.",
                "Zustellung hat gepasst, die Lieferzeit war etwas lang.",
                "Paket kam an, aber einen Tag später als angekündigt.",
            ),
            POS: (
                "Superschnelle Lieferung, schon am nächsten Tag geliefert!",
                "Lieferung pünktlich und gut verpackt.",
                "Zustellung lief reibungslos.",
                "Paket war nach {n} Tagen da, wie versprochen.",
            ),
        },
        "en": {
            NEG: (
                "Delivery took {n} days, way too long.",
                "My parcel arrived late again.",
                "Shipping was much slower than promised.",
                "Delivered {n} days after the estimated date.",
                "Still waiting for my delivery after a week.",
                "The courier missed the delivery window twice.",
            ),
            NEU: (
                "Delivery was fine, a bit slower than expected.",
                "Parcel arrived, one day later than announced.",
            ),
            POS: (
                "Fast delivery, arrived the next day!",
                "Delivered on time and well packed.",
                "Super quick shipping.",
            ),
        },
    },
    "price": {
        "de": {
            NEG: (
                "Die Preise sind zu hoch.",
                "Viel zu teuer im Vergleich zu anderen Shops.",
                "Preis-Leistung stimmt leider nicht.",
                "Für den Preis hätte ich mehr erwartet.",
                "Die Preiserhöhung ist nicht nachvollziehbar.",
            ),
            NEU: ("Preise sind ok, aber nicht günstig.", "Preislich im Mittelfeld."),
            POS: ("Faire Preise und gute Angebote.", "Günstiger als woanders."),
        },
        "en": {
            NEG: (
                "Prices are too high.",
                "Way too expensive compared to other shops.",
                "Not worth the price.",
                "Overpriced for what you get.",
            ),
            NEU: ("Prices are okay, nothing special.",),
            POS: ("Great prices and fair discounts.", "Cheaper than elsewhere."),
        },
    },
    "product_quality": {
        "de": {
            NEG: (
                "Die Qualität ist enttäuschend.",
                "Artikel war nach einer Woche kaputt.",
                "Schlechte Verarbeitung, das Material wirkt billig.",
                "Produkt war defekt und musste zurück.",
                "Die Qualität der Ware entspricht nicht der Beschreibung.",
            ),
            NEU: ("Qualität in Ordnung, nichts Besonderes.",),
            POS: (
                "Top Qualität, sehr zufrieden mit dem Produkt.",
                "Hochwertige Verarbeitung, gerne wieder.",
            ),
        },
        "en": {
            NEG: (
                "Poor quality, it broke after a week.",
                "The product was defective.",
                "Material feels flimsy.",
                "Quality does not match the description.",
            ),
            NEU: ("Quality is okay, nothing special.",),
            POS: ("Excellent quality, exactly as described.", "Great product quality."),
        },
    },
    "checkout_payment": {
        "de": {
            NEG: (
                "Der Bezahlvorgang ist ständig abgebrochen.",
                "Zahlung per PayPal hat nicht funktioniert.",
                "Checkout war umständlich, musste alles dreimal eingeben.",
                "Gutschein ließ sich an der Kasse nicht einlösen.",
            ),
            NEU: ("Checkout ok, aber mehr Zahlungsarten wären schön.",),
            POS: (
                "Checkout war super einfach.",
                "Bezahlung mit PayPal ging blitzschnell.",
                "Schneller, unkomplizierter Bezahlvorgang.",
                "Der Checkout hat keine Minute gedauert.",
            ),
        },
        "en": {
            NEG: (
                "Payment kept failing at checkout.",
                "Checkout was clunky, had to re-enter my address three times.",
                "My voucher did not work at checkout.",
            ),
            NEU: ("Checkout was okay, would like more payment options.",),
            POS: (
                "Smooth checkout, paid in seconds.",
                "Checkout was super easy.",
                "Love the one-click payment.",
            ),
        },
    },
    "support": {
        "de": {
            NEG: ("Der Kundendienst hat nie auf meine Anfrage geantwortet.",),
            NEU: ("Kundendienst war freundlich, hat aber lange gebraucht.",),
            POS: ("Kundendienst war sehr hilfsbereit.", "Der Kundenservice hat sofort geholfen."),
        },
        "en": {
            NEG: ("Customer service never answered my request.",),
            NEU: ("Customer service was friendly but slow.",),
            POS: ("Customer service was really helpful.",),
        },
    },
}

SAAS_PHRASES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "usability": {
        "de": {
            NEG: (
                "Die Benutzeroberfläche ist total unübersichtlich.",
                "Man findet nichts, die Menüs sind verwirrend.",
                "Die Bedienung ist umständlich, viel zu viele Klicks.",
                "Seit dem Update ist die Navigation noch unübersichtlicher.",
                "Einstellungen sind in unübersichtlichen Untermenüs versteckt.",
                "Die neue Benutzeroberfläche ist ein Rückschritt.",
            ),
            NEU: ("Die Bedienung ist ok, manches könnte intuitiver sein.",),
            POS: (
                "Sehr intuitive Bedienung.",
                "Übersichtliche Benutzeroberfläche, alles schnell gefunden.",
            ),
        },
        "en": {
            NEG: (
                "The interface is confusing.",
                "Can't find anything, the navigation is a mess.",
                "Too many clicks for simple tasks.",
                "The new interface is not intuitive at all.",
                "Usability got worse after the redesign.",
                "Settings are buried in confusing menus.",
            ),
            NEU: ("The interface is fine once you get used to it.",),
            POS: ("Clean, intuitive interface.", "Navigation is easy and clear."),
        },
    },
    "performance": {
        "de": {
            NEG: (
                "Die Anwendung ist extrem langsam.",
                "Dashboards laden ewig.",
                "Ständig Timeouts beim Export.",
                "Die App ist heute zweimal abgestürzt.",
                "Lange Ladezeiten bei großen Projekten.",
            ),
            NEU: ("Meistens flott, manchmal aber sehr langsam.",),
            POS: ("Sehr gute Performance, alles läuft stabil.",),
        },
        "en": {
            NEG: (
                "The app is painfully slow.",
                "Dashboards take forever to load.",
                "Constant timeouts when exporting.",
                "It crashed twice today.",
                "Performance is terrible with large projects.",
            ),
            NEU: ("Mostly fast, occasionally slow.",),
            POS: ("Fast and stable, great performance.",),
        },
    },
    "price": {
        "de": {
            NEG: (
                "Die Lizenzkosten sind zu hoch.",
                "Preiserhöhung ohne Mehrwert.",
                "Für kleine Teams viel zu teuer.",
            ),
            NEU: ("Der Preis ist ok für den Funktionsumfang.",),
            POS: ("Fairer Preis für den Funktionsumfang.",),
        },
        "en": {
            NEG: (
                "Too expensive for a small team.",
                "The price increase is not justified.",
                "License costs are too high.",
            ),
            NEU: ("Pricing is acceptable.",),
            POS: ("Good value for the price.",),
        },
    },
    "support": {
        "de": {
            NEG: (
                "Der Support hat tagelang nicht reagiert.",
                "Mein Ticket wurde ohne Lösung geschlossen.",
                "Support war unfreundlich und wenig hilfreich.",
            ),
            NEU: ("Der Support hat geholfen, aber es hat gedauert.",),
            POS: (
                "Der Support war super hilfsbereit und schnell.",
                "Kundendienst hat mein Problem sofort gelöst.",
                "Toller Support, sehr kompetent.",
                "Der Support hat sich richtig Zeit für mich genommen.",
            ),
        },
        "en": {
            NEG: (
                "Support took days to respond.",
                "My ticket was closed without a fix.",
                "The support agent did not understand the problem.",
            ),
            NEU: ("Support solved it eventually.",),
            POS: (
                "Support was incredibly helpful.",
                "The support team fixed my issue within an hour.",
                "Great support, quick and friendly.",
            ),
        },
    },
}

# Theme weights per (touchpoint index, NPS class), in the order of the phrase dict keys.
# Shop: delivery_time, price, product_quality, checkout_payment, support.
SHOP_THEME_WEIGHTS = {
    (0, DETRACTOR): (30, 30, 10, 25, 5),
    (1, DETRACTOR): (64, 16, 15, 0, 5),
    (0, PASSIVE): (20, 25, 20, 30, 5),
    (1, PASSIVE): (40, 25, 20, 10, 5),
    (0, PROMOTER): (5, 15, 15, 60, 5),
    (1, PROMOTER): (35, 10, 20, 30, 5),
}
# SaaS: usability, performance, price, support.
SAAS_THEME_WEIGHTS = {
    (0, DETRACTOR): (30, 25, 20, 25),
    (1, DETRACTOR): (68, 22, 10, 0),
    (0, PASSIVE): (25, 20, 25, 30),
    (1, PASSIVE): (35, 30, 25, 10),
    (0, PROMOTER): (10, 5, 10, 75),
    (1, PROMOTER): (35, 25, 15, 25),
}

# Detractors write more often than the rest; together about 45 % of responses get a comment.
COMMENT_RATE = {DETRACTOR: 0.6, PASSIVE: 0.36, PROMOTER: 0.42}
EMPTY_COMMENT_RATE = 0.01
SECOND_THEME_RATE = 0.2
PERSONAL_DATA_RATE = 0.01
EMOJI_RATE = 0.05
EMOJI = {
    NEG: ("😡", "😞", "👎", "🙄"),
    NEU: ("🤷", "😐"),
    POS: ("👍", "😊", "⭐⭐⭐⭐⭐", "❤️", "🚀"),
}


def sentiment_for(rng: random.Random, nps_group: int) -> str:
    """Passives write mixed comments; promoters are nearly always positive."""
    u = rng.random()
    if nps_group == DETRACTOR:
        return NEG
    if nps_group == PASSIVE:
        return NEU if u < 0.5 else NEG if u < 0.75 else POS
    return POS if u < 0.95 else NEU


def personal_data_sentence(rng: random.Random, german: bool) -> str:
    """Contact details a masking step must remove later."""
    kind = rng.randrange(4)
    if kind == 0:
        name = f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}"
        address = f"{name}{rng.randrange(100)}@example.{rng.choice(('com', 'org', 'net'))}"
        return f"Bitte per Mail an {address} melden." if german else f"Reach me at {address}."
    if kind == 1:
        phone = f"+49 1{rng.randrange(50, 80)} {rng.randrange(1_000_000, 10_000_000)}"
        return f"Rufen Sie mich an: {phone}" if german else f"Call me: {phone}"
    if kind == 2:
        phone = (
            f"({rng.randrange(200, 1000)}) {rng.randrange(100, 1000)}-{rng.randrange(10_000):04d}"
        )
        return f"Erreichbar unter {phone}." if german else f"Call me at {phone}."
    iban = german_iban(rng.randrange(10_000_000, 100_000_000), rng.randrange(10**9, 10**10))
    return f"Bitte erstatten auf {iban}." if german else f"Please refund to IBAN {iban}."


class CommentWriter:
    def __init__(
        self,
        rng: random.Random,
        phrases: dict[str, dict[str, dict[str, tuple[str, ...]]]],
        theme_weights: dict[tuple[int, int], tuple[int, ...]],
    ) -> None:
        self._rng = rng
        self._themes = list(phrases)
        self._phrases = phrases
        self._theme_cumulative = {key: cumulative(value) for key, value in theme_weights.items()}

    def comment(self, touchpoint: int, score: int, german_share: float) -> str | None:
        """None for most responses, '' now and then, otherwise text that fits the score."""
        rng = self._rng
        group = nps_class(score)
        u = rng.random()
        rate = COMMENT_RATE[group]
        if u >= rate:
            return "" if u < rate + EMPTY_COMMENT_RATE else None
        german = rng.random() < german_share
        sentiment = sentiment_for(rng, group)
        weights = self._theme_cumulative[touchpoint, group]
        theme = bisect_right(weights, rng.random())
        text = self._sentence(theme, sentiment, german)
        if rng.random() < SECOND_THEME_RATE:
            other = bisect_right(weights, rng.random())
            if other != theme:
                joiner = " Außerdem: " if german else " Also: "
                text += joiner + self._sentence(other, sentiment_for(rng, group), german)
        if rng.random() < PERSONAL_DATA_RATE:
            text += " " + personal_data_sentence(rng, german)
        if rng.random() < EMOJI_RATE:
            text += " " + rng.choice(EMOJI[sentiment])
        return text

    def _sentence(self, theme: int, sentiment: str, german: bool) -> str:
        options = self._phrases[self._themes[theme]]["de" if german else "en"][sentiment]
        text = options[int(self._rng.random() * len(options))]
        if "{n}" in text:
            text = text.replace("{n}", str(3 + int(self._rng.random() * 10)))
        return text


# --------------------------------------------------------------------------- shared portal logic


class PortalBuilder:
    """Response, duplicate, edit and follow-up logic shared by both portals.

    A portal walks the window day by day. Invitations of a day are numbered in time order,
    each answered one schedules its response(s) into later day buckets, and a day's
    responses and follow-up cases are written once no earlier event can still add to them.
    """

    separator = " "
    missing_scores: tuple = (None,)
    out_of_range_scores: tuple = (11, 12, -1, 42, 100)
    non_integer_scores: tuple = (7.5, "ten", "8/10")

    def __init__(self, rng: random.Random, options: DemoOptions, touchpoints: Sequence[Touchpoint]):
        self.rng = rng
        self.options = options
        self.window = window_for(options)
        self.end = self.window.last_second
        self.touchpoints = touchpoints
        self.scores = [score_tables(tp, self.window.month_count) for tp in touchpoints]
        self.rates = [tp.response_rates for tp in touchpoints]
        self.quick = [[ch in tp.quick_channels for ch in tp.channels] for tp in touchpoints]
        self.labels = [[(tp.name, ch) for ch in tp.channels] for tp in touchpoints]
        self.months = [self.window.month_index(day) for day in range(self.window.days)]
        self.defects = DefectSchedule(rng, DEFECT_RATES)
        self.responses = DayBuckets()
        self.cases = DayBuckets()
        # Set by each portal: its table sinks, timestamp format and comment vocabulary.
        self.response_sink: TableSink
        self.case_sink: TableSink
        self.clock: Clock
        self.comments: CommentWriter

    # Keys and encodings differ per portal.
    def new_response_key(self) -> object:
        raise NotImplementedError

    def new_case_key(self) -> object:
        raise NotImplementedError

    def encode(self, score: int) -> object:
        return score

    def response_row(self, row: tuple) -> tuple:
        """Fits (key, invitation, owner, score, comment, submitted, modified) to the table."""
        return row

    def answer(
        self,
        sent: int,
        invitation: object,
        owner: object,
        touchpoint: int,
        channel: int,
        segment: int,
        german_share: float,
    ) -> bool:
        """Schedules the response(s) to an invitation the customer chose to answer.

        Returns False when the invitation itself must be left out of its table, which is
        how a response ends up pointing at an invitation that does not exist.
        """
        submitted = sent + self.response_delay(self.quick[touchpoint][channel])
        if submitted > self.end:
            return True  # still unanswered when the data ends
        self.defects.advance()
        kind = self.defects.take_exclusive()
        month_scores = self.scores[touchpoint][segment][self.months[sent // DAY]]
        first = bisect_right(month_scores, self.rng.random())
        comment = self.comments.comment(touchpoint, first, german_share)
        linked, keep_invitation = self.invitation_link(invitation, kind)
        score, stored, modified, future = first, self.stored_score(first, kind), submitted, None
        if kind == FUTURE:
            days_after_end = self.rng.randint(3653, 5113)  # ten to fourteen years
            future = self.clock.far_future(submitted, self.options.end_date, days_after_end)
        elif kind is None:
            score, modified = self.maybe_edit(first, submitted)
            stored = self.encode(score)
            self.maybe_duplicate(submitted, linked, owner, first, comment)
        case_at = self.case_time(modified) if self.needs_case(kind, score) else -1
        self.responses.add((submitted, linked, owner, stored, comment, modified, future, case_at))
        return keep_invitation

    def invitation_link(self, invitation: object, kind: int | None) -> tuple[object, bool]:
        """The stored link and whether the invitation row survives."""
        if kind != ORPHAN:
            return invitation, True
        # Either the link was lost, or the invitation was purged from the portal later.
        return (None, True) if self.rng.random() < 0.5 else (invitation, False)

    def stored_score(self, score: int, kind: int | None) -> object:
        if kind == MISSING:
            return self.rng.choice(self.missing_scores)
        if kind == OUT_OF_RANGE:
            return self.rng.choice(self.out_of_range_scores)
        if kind == NOT_INTEGER:
            return self.rng.choice(self.non_integer_scores)
        return self.encode(score)

    def maybe_edit(self, first: int, submitted: int) -> tuple[int, int]:
        """The current score and last change; an edit needs a day of room before the end."""
        room = self.end - submitted
        if not (self.defects.is_due(EDITED) and room > DAY + HOUR):
            return first, submitted
        self.defects.take(EDITED)
        modified = submitted + DAY + int(self.rng.random() * min(19 * DAY, room - DAY))
        return changed_score(self.rng, first), modified

    def maybe_duplicate(
        self, submitted: int, linked: object, owner: object, first: int, comment: str | None
    ) -> None:
        """A second submission of the same form, as after a double click or a retry."""
        if not (self.defects.is_due(DUPLICATE) and self.end - submitted > 30):
            return
        self.defects.take(DUPLICATE)
        again = submitted + self.rng.randint(1, 30)
        repeat = first if self.rng.random() < 0.85 else changed_score(self.rng, first)
        self.responses.add((again, linked, owner, self.encode(repeat), comment, again, None, -1))

    def needs_case(self, kind: int | None, score: int) -> bool:
        # Only a valid detractor score opens a case; the score defects leave none to judge.
        valid = kind in (None, ORPHAN, FUTURE)
        return valid and score <= 6 and self.rng.random() < CASE_RATE

    def case_time(self, answered: int) -> int:
        """When the case opens (after the edit for an edited answer), or -1 if after the end."""
        opened = answered + 300 + int(min(self.rng.expovariate(1 / (4 * HOUR)), 2 * DAY))
        return opened if opened <= self.end else -1

    def response_delay(self, quick: bool) -> int:
        rng = self.rng
        if quick:
            return 60 + int(min(rng.expovariate(1 / 300), 3 * HOUR))
        if rng.random() < 0.6:
            return 120 + int(min(rng.expovariate(1 / (2 * HOUR)), DAY))
        return 60 + int(rng.random() * (5 * DAY - 60))

    def flush_responses(self, day: int) -> None:
        stamp, rows, add_case = self.clock.stamp, self.response_sink.rows, self.cases.add
        for event in self.responses.pop(day):
            submitted, linked, owner, stored, comment, modified, future, case_at = event
            key = self.new_response_key()
            submitted_text = future or stamp(submitted)
            modified_text = submitted_text if modified == submitted else future or stamp(modified)
            row = (key, linked, owner, stored, comment, submitted_text, modified_text)
            rows.append(self.response_row(row))
            if case_at >= 0:
                add_case((case_at, key))
        self.response_sink.flush()

    def flush_cases(self, day: int) -> None:
        stamp, rows = self.clock.stamp, self.case_sink.rows
        for opened, response_key in self.cases.pop(day):
            state, changed = self.case_progress(opened)
            rows.append((self.new_case_key(), response_key, state, stamp(opened), stamp(changed)))
        self.case_sink.flush()

    def case_progress(self, opened: int) -> tuple[str, int]:
        """Follow-ups move open -> contacted -> resolved; older ones are further along."""
        rng = self.rng
        stuck = rng.random()
        contacted = opened + 1800 + int(rng.expovariate(1 / (20 * HOUR)))
        resolved = contacted + HOUR + int(rng.expovariate(1 / (4 * DAY)))
        if stuck < 0.05:
            return "open", opened
        if resolved <= self.end and stuck >= 0.1:
            return "resolved", resolved
        if contacted <= self.end:
            return "contacted", contacted
        return "open", opened

    def finish(self, sinks: Sequence[TableSink]) -> None:
        for sink in sinks:
            sink.flush(force=True)


def daily_event_counts(
    rng: random.Random,
    window: Window,
    first_day: int,
    last_day: int,
    total: float,
    weekday_factors: Sequence[float],
    retail: bool,
) -> dict[int, int]:
    weights = daily_weights(window, first_day, last_day, weekday_factors, retail)
    return per_day_counts(rng, weights, window, total)


# --------------------------------------------------------------------------- web shop

SHOP_SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, segment TEXT, loyalty_tier TEXT,
    country_region TEXT, created_at TEXT, is_test INTEGER);
CREATE TABLE nps_invitations (id INTEGER PRIMARY KEY, customer_id INTEGER, order_ref TEXT,
    trigger_point TEXT, channel TEXT, sent_at TEXT);
CREATE TABLE nps_responses (id INTEGER PRIMARY KEY, invitation_id INTEGER, customer_id INTEGER,
    score INTEGER, comment TEXT, submitted_at TEXT, modified_at TEXT);
CREATE TABLE detractor_cases (id INTEGER PRIMARY KEY, response_id INTEGER, state TEXT,
    opened_at TEXT, modified_at TEXT);
"""

SHOP_TOUCHPOINTS = (
    Touchpoint(
        name="checkout",
        nps=46.5,
        drift="wave",
        drift_points=3,
        passive_share=0.29,
        detractor_shape=MILD_DETRACTORS,
        segment_shift=(0, -4),
        channels=("onsite", "email"),
        channel_weights=(0.85, 0.15),
        response_rates=(0.34, 0.26),
        quick_channels=frozenset({"onsite"}),
    ),
    Touchpoint(
        name="delivery",
        nps=7.5,
        drift="rise",
        drift_points=5,
        passive_share=0.28,
        detractor_shape=HARSH_DETRACTORS,
        segment_shift=(0, -8),
        channels=("email", "onsite"),
        channel_weights=(0.85, 0.15),
        response_rates=(0.29, 0.24),
        quick_channels=frozenset({"onsite"}),
    ),
)
CHECKOUT, DELIVERY = 0, 1
SHOP_ORDER_WEEKDAYS = (1.05, 1.0, 1.0, 1.0, 0.95, 0.9, 1.15)
SHOP_ORDER_HOURS = cumulative(
    (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4.5, 5, 5.5, 5, 4.5, 4.5, 4.5, 5, 6, 7, 7.5, 6.5, 4, 2)
)
SHOP_DELIVERY_HOURS = cumulative(
    (0, 0, 0, 0, 0, 0, 0, 0, 3, 6, 8, 9, 9, 8, 8, 7, 6, 5, 3, 2, 1, 0, 0, 0)
)
TRANSIT_DAYS = cumulative((0, 35, 35, 18, 8, 4))  # index = working days after the order


def calendar_days(weekday: int, working_days: int) -> int:
    """Calendar days needed for a parcel to travel working_days, with no Sunday deliveries."""
    days = 0
    for _ in range(working_days):
        days += 1
        if (weekday + days) % 7 == 6:
            days += 1
    return days


ARRIVAL_OFFSETS = tuple(tuple(calendar_days(w, t) for t in range(6)) for w in range(7))
SHOP_GERMAN_SHARE = 0.6
CHECKOUT_INVITED = 0.7  # share of orders that get a checkout survey
ORDER_LEAD_DAYS = 7  # orders just before the window still get delivery surveys in it
SIGNUP_HISTORY_DAYS = 3 * 365

SEGMENTS = ("consumer", "business")
LOYALTY = ("basic", "plus", "premium")
LOYALTY_CUMULATIVE = cumulative((70, 22, 8))
COUNTRY_REGIONS = ("DE-North", "DE-South", "DE-West", "AT", "CH")
COUNTRY_CUMULATIVE = cumulative((27, 30, 28, 9, 6))
FIRST_NAMES = ("anna", "jonas", "lea", "lukas", "mia", "felix", "elif", "omar", "olga", "james")
LAST_NAMES = ("mueller", "schmidt", "weber", "fischer", "meyer", "wagner", "yilmaz", "novak")
MAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "web.example")


def pick_test_accounts(rng: random.Random, established: int, total: int) -> set[int]:
    """About 1 % of accounts, at least one, taken from those active since the start."""
    wanted = min(established, max(1, round(TEST_ACCOUNT_RATE * total)))
    return set(rng.sample(range(established), wanted))


def signup_seconds(rng: random.Random, count: int, window: Window, history_days: int) -> list[int]:
    """Sorted signup moments: a majority before the window, the rest spread over it."""
    established = max(1, round(0.55 * count))
    before = [-1 - int(rng.random() * history_days * DAY) for _ in range(established)]
    during = [int(rng.random() * window.last_second) for _ in range(count - established)]
    return sorted(before + during)


class ShopBuilder(PortalBuilder):
    def __init__(self, connection: sqlite3.Connection, options: DemoOptions) -> None:
        super().__init__(random.Random(options.seed * 1000 + 1), options, SHOP_TOUCHPOINTS)
        self.connection = connection
        self.clock = Clock(self.window, -SIGNUP_HISTORY_DAYS - 1, self.separator, berlin=True)
        self.comments = CommentWriter(self.rng, SHOP_PHRASES, SHOP_THEME_WEIGHTS)
        self.invitation_sink = TableSink(connection, "nps_invitations", 6)
        self.response_sink = TableSink(connection, "nps_responses", 7)
        self.case_sink = TableSink(connection, "detractor_cases", 5)
        self.invitations = DayBuckets()
        self.next_invitation = self.next_response = self.next_case = 0
        self.target = max(1, round(options.responses * SHOP_SHARE))

    def new_response_key(self) -> int:
        self.next_response += 1
        return self.next_response

    def new_case_key(self) -> int:
        self.next_case += 1
        return self.next_case

    def build(self) -> None:
        signups, business = self.write_customers()
        checkout_rate = SHOP_TOUCHPOINTS[CHECKOUT].response_rate
        delivery_rate = SHOP_TOUCHPOINTS[DELIVERY].response_rate
        per_touchpoint = self.target / 2 / (1 + DEFECT_RATES[DUPLICATE])
        orders = per_touchpoint / checkout_rate / CHECKOUT_INVITED
        delivery_invited = per_touchpoint / delivery_rate / orders
        counts = daily_event_counts(
            self.rng,
            self.window,
            -ORDER_LEAD_DAYS,
            self.window.days - 1,
            orders,
            SHOP_ORDER_WEEKDAYS,
            retail=True,
        )
        pool: list[int] = []
        joined = 0
        order_number = self.rng.randrange(10_000_000, 20_000_000)
        for day in range(-ORDER_LEAD_DAYS, self.window.days):
            # Customers can order from the day after they signed up.
            while joined < len(signups) and signups[joined] // DAY < day:
                pool.extend((joined + 1,) * (2 if business[joined] else 1))
                joined += 1
            order_number = self.place_orders(
                day, counts[day], pool, business, order_number, delivery_invited
            )
            if day >= 0:
                self.flush_invitations(day)
                self.flush_responses(day)
                self.flush_cases(day)
        self.finish((self.invitation_sink, self.response_sink, self.case_sink))

    def write_customers(self) -> tuple[list[int], bytearray]:
        rng = self.rng
        count = max(2, round(self.target / SHOP_RESPONSES_PER_CUSTOMER))
        signups = signup_seconds(rng, count, self.window, SIGNUP_HISTORY_DAYS)
        established = sum(1 for second in signups if second < 0)
        testers = pick_test_accounts(rng, established, count)
        tester_numbers = iter(rng.sample(range(1000, 10_000), len(testers)))
        business = bytearray(count)
        sink = TableSink(self.connection, "customers", 7)
        for index, signup in enumerate(signups):
            is_business = rng.random() < 0.15
            business[index] = is_business
            customer_id = index + 1
            if index in testers:
                email = f"qa+{next(tester_numbers)}@shop.example"
            elif is_business:
                email = f"einkauf.{customer_id}@{rng.choice(LAST_NAMES)}-gmbh.example"
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{first}.{last}{customer_id}@{rng.choice(MAIL_DOMAINS)}"
            sink.rows.append(
                (
                    customer_id,
                    email,
                    SEGMENTS[is_business],
                    LOYALTY[bisect_right(LOYALTY_CUMULATIVE, rng.random())],
                    COUNTRY_REGIONS[bisect_right(COUNTRY_CUMULATIVE, rng.random())],
                    self.clock.stamp(signup),
                    int(index in testers),
                )
            )
            sink.flush()
        sink.flush(force=True)
        return signups, business

    def place_orders(
        self,
        day: int,
        count: int,
        pool: list[int],
        business: bytearray,
        order_number: int,
        delivery_invited: float,
    ) -> int:
        """Orders of one day; each may trigger a checkout and later a delivery survey."""
        if not pool:
            return order_number
        rng, add, end = self.rng, self.invitations.add, self.end
        random_, pool_size = rng.random, len(pool)
        first_weekday = self.window.start.weekday()
        # One draw decides both whether a survey is sent and on which channel.
        checkout_onsite = CHECKOUT_INVITED * SHOP_TOUCHPOINTS[CHECKOUT].channel_weights[0]
        delivery_email = delivery_invited * SHOP_TOUCHPOINTS[DELIVERY].channel_weights[0]
        base = day * DAY
        moments = sorted(base + second_of_day(SHOP_ORDER_HOURS, random_()) for _ in range(count))
        for ordered in moments:
            order_number += 1
            customer = pool[int(random_() * pool_size)]
            segment = business[customer - 1]
            reference = f"SO-{order_number}"
            u = random_()
            if u < CHECKOUT_INVITED:
                if u < checkout_onsite:  # the survey shown on the order confirmation page
                    sent, channel = ordered + 3 + int(random_() * 90), 0
                else:
                    sent, channel = ordered + 600 + int(random_() * 6600), 1
                if 0 <= sent <= end:
                    add((sent, customer, segment, reference, CHECKOUT, channel))
            u = random_()
            if u < delivery_invited:
                transit = bisect_right(TRANSIT_DAYS, random_())
                arrival = day + ARRIVAL_OFFSETS[(first_weekday + day) % 7][transit]
                sent = arrival * DAY + second_of_day(SHOP_DELIVERY_HOURS, random_())
                channel = 0 if u < delivery_email else 1
                if channel:
                    # Shown on the customer's next visit after the parcel arrived.
                    sent += HOUR + int(min(rng.expovariate(1 / (20 * HOUR)), 3 * DAY))
                if 0 <= sent <= end:
                    add((sent, customer, segment, reference, DELIVERY, channel))
        return order_number

    def flush_invitations(self, day: int) -> None:
        rows, stamp, answer = self.invitation_sink.rows, self.clock.stamp, self.answer
        random_, rates, labels = self.rng.random, self.rates, self.labels
        parts = self.clock.day_parts(day)
        key = self.next_invitation
        for sent, customer, segment, reference, touchpoint, channel in self.invitations.pop(day):
            key += 1
            answered = random_() < rates[touchpoint][channel]
            if answered and not answer(
                sent, key, customer, touchpoint, channel, segment, SHOP_GERMAN_SHARE
            ):
                continue
            trigger, channel_name = labels[touchpoint][channel]
            sent_text = parts[0] + parts[2][sent - parts[1]] if parts else stamp(sent)
            rows.append((key, customer, reference, trigger, channel_name, sent_text))
        self.next_invitation = key
        self.invitation_sink.flush()


# --------------------------------------------------------------------------- SaaS portal

SAAS_SCHEMA = """
CREATE TABLE accounts (account_uuid TEXT PRIMARY KEY, company_name TEXT, tier TEXT,
    plan_name TEXT, sales_region TEXT, signup_date TEXT, internal_account TEXT);
CREATE TABLE survey_requests (request_uuid TEXT PRIMARY KEY, account_uuid TEXT, source TEXT,
    delivery_channel TEXT, requested_at TEXT);
CREATE TABLE survey_answers (answer_uuid TEXT PRIMARY KEY, request_uuid TEXT, rating TEXT,
    feedback_text TEXT, answered_at TEXT, last_modified TEXT);
CREATE TABLE followup_tasks (task_uuid TEXT PRIMARY KEY, answer_uuid TEXT, task_status TEXT,
    created_at TEXT, updated_at TEXT);
"""

SAAS_TOUCHPOINTS = (
    Touchpoint(
        name="ticket_closed",
        nps=34.5,
        drift="wave",
        drift_points=3,
        passive_share=0.3,
        detractor_shape=MILD_DETRACTORS,
        segment_shift=(0, -2, 6),
        channels=("email", "in_app_widget"),
        channel_weights=(0.85, 0.15),
        response_rates=(0.31, 0.36),
        quick_channels=frozenset({"in_app_widget"}),
    ),
    Touchpoint(
        name="in_app",
        nps=-3.5,
        drift="fall",
        drift_points=4,
        passive_share=0.3,
        detractor_shape=HARSH_DETRACTORS,
        segment_shift=(0, -2, -7),
        channels=("in_app_widget",),
        channel_weights=(1.0,),
        response_rates=(0.27,),
        quick_channels=frozenset({"in_app_widget"}),
    ),
)
TIERS = ("smb", "mid_market", "enterprise")
TIER_CUMULATIVE = cumulative((60, 28, 12))
TIER_ACTIVITY = (1, 2, 4)  # bigger customers have more users, hence more surveys
PLANS = ("starter", "team", "business")
PLAN_BY_TIER = (cumulative((60, 40, 0)), cumulative((0, 60, 40)), cumulative((0, 10, 90)))
REGIONS = ("EMEA", "NA", "APAC")
REGION_SHARES = (0.55, 0.30, 0.15)
REGION_UTC_OFFSET_HOURS = (1, -6, 8)  # a representative office time zone per region
REGION_GERMAN_SHARE = (0.5, 0.04, 0.04)
SAAS_WEEKDAYS = (1.05, 1.0, 1.0, 1.0, 0.9, 0.25, 0.2)
SAAS_LOCAL_HOURS = (
    cumulative(
        (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 4, 8, 9, 9, 6, 7, 9, 9, 8, 5, 3, 2, 1, 1, 0.5, 0.3)
    ),
    cumulative(
        (0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 8, 7, 7, 8, 8, 7, 6, 4, 3, 2.5, 2, 1, 0.6)
    ),
)
SAAS_HISTORY_DAYS = 4 * 365
COMPANY_STEMS = ("Nord", "Blau", "Alpen", "Quantum", "Stern", "Bright", "Iron", "Vista", "Lumen")
COMPANY_ENDINGS = ("tec", "soft", "works", "logic", "data", "labs", "ware", "cloud", "systems")
LEGAL_FORMS = (
    ("GmbH", "AG", "B.V.", "Ltd", "SAS", "GmbH & Co. KG"),
    ("Inc.", "LLC", "Corp."),
    ("Pte. Ltd.", "Pty Ltd", "K.K."),
)
INTERNAL_NAMES = ("Internal QA Sandbox", "Sales Demo Tenant", "Staging Test Account")


class SaasBuilder(PortalBuilder):
    separator = "T"
    missing_scores = (None, "")
    out_of_range_scores = ("11", "12", "-1", "42", "100")
    non_integer_scores = ("7.5", "ten", "8,0", "N/A")

    def __init__(self, connection: sqlite3.Connection, options: DemoOptions) -> None:
        super().__init__(random.Random(options.seed * 1000 + 2), options, SAAS_TOUCHPOINTS)
        self.connection = connection
        self.clock = Clock(self.window, -SAAS_HISTORY_DAYS - 1, self.separator, berlin=False)
        self.comments = CommentWriter(self.rng, SAAS_PHRASES, SAAS_THEME_WEIGHTS)
        self.request_sink = TableSink(connection, "survey_requests", 5)
        self.response_sink = TableSink(connection, "survey_answers", 6)
        self.case_sink = TableSink(connection, "followup_tasks", 5)
        self.requests = DayBuckets()
        self.target = max(1, options.responses - round(options.responses * SHOP_SHARE))
        self.account_keys: list[str] = []

    def new_key(self) -> str:
        return uuid4_text(self.rng.getrandbits(128))

    new_response_key = new_key
    new_case_key = new_key

    def encode(self, score: int) -> str:
        return str(score)

    def response_row(self, row: tuple) -> tuple:
        # The answers table has no customer column: the account is reached via the request.
        return row[:2] + row[3:]

    def build(self) -> None:
        accounts = self.write_accounts()
        per_touchpoint = self.target / 2 / (1 + DEFECT_RATES[DUPLICATE])
        counts = [
            [
                daily_event_counts(
                    self.rng,
                    self.window,
                    -1,
                    self.window.days,
                    per_touchpoint / tp.response_rate * share,
                    SAAS_WEEKDAYS,
                    retail=False,
                )
                for tp in SAAS_TOUCHPOINTS
            ]
            for share in REGION_SHARES
        ]
        pools: list[list[int]] = [[] for _ in REGIONS]
        joined = 0
        signups, regions, tiers = accounts
        # Requests of a UTC day come from local days either side of it, so each UTC day is
        # written one local day later.
        for day in range(-1, self.window.days + 1):
            while joined < len(signups) and signups[joined] // DAY < day - 1:
                pools[regions[joined]].extend((joined,) * TIER_ACTIVITY[tiers[joined]])
                joined += 1
            for region, pool in enumerate(pools):
                if pool:
                    for touchpoint in range(len(SAAS_TOUCHPOINTS)):
                        self.request_surveys(
                            day, region, touchpoint, counts[region][touchpoint][day], pool
                        )
            if 0 <= day - 1 < self.window.days:
                self.flush_requests(day - 1, tiers, regions)
                self.flush_responses(day - 1)
                self.flush_cases(day - 1)
        self.finish((self.request_sink, self.response_sink, self.case_sink))

    def write_accounts(self) -> tuple[list[int], bytearray, bytearray]:
        rng = self.rng
        count = max(2, round(self.target / SAAS_RESPONSES_PER_ACCOUNT))
        signups = signup_seconds(rng, count, self.window, SAAS_HISTORY_DAYS)
        established = sum(1 for second in signups if second < 0)
        internal = pick_test_accounts(rng, established, count)
        regions, tiers = bytearray(count), bytearray(count)
        sink = TableSink(self.connection, "accounts", 7)
        region_cumulative = cumulative(REGION_SHARES)
        for index, signup in enumerate(signups):
            key = self.new_key()
            self.account_keys.append(key)
            region = 0 if index in internal else bisect_right(region_cumulative, rng.random())
            tier = bisect_right(TIER_CUMULATIVE, rng.random())
            regions[index], tiers[index] = region, tier
            if index in internal:
                name = f"{rng.choice(INTERNAL_NAMES)} {rng.randrange(1, 20)}"
            else:
                stem, ending = rng.choice(COMPANY_STEMS), rng.choice(COMPANY_ENDINGS)
                name = f"{stem}{ending} {rng.choice(LEGAL_FORMS[region])}"
            sink.rows.append(
                (
                    key,
                    name,
                    TIERS[tier],
                    PLANS[bisect_right(PLAN_BY_TIER[tier], rng.random())],
                    REGIONS[region],
                    self.clock.date_text(signup),
                    "Y" if index in internal else "N",
                )
            )
            sink.flush()
        sink.flush(force=True)
        return signups, regions, tiers

    def request_surveys(
        self, day: int, region: int, touchpoint: int, count: int, pool: list[int]
    ) -> None:
        """Survey requests raised during one local business day of one region."""
        random_, add, end = self.rng.random, self.requests.add, self.end
        tp = SAAS_TOUCHPOINTS[touchpoint]
        hours = SAAS_LOCAL_HOURS[touchpoint]
        start = day * DAY - REGION_UTC_OFFSET_HOURS[region] * HOUR
        single_channel, first_channel = len(tp.channels) == 1, tp.channel_weights[0]
        pool_size = len(pool)
        for _ in range(count):
            sent = start + second_of_day(hours, random_())
            account = pool[int(random_() * pool_size)]
            channel = 0 if single_channel or random_() < first_channel else 1
            if 0 <= sent <= end:
                add((sent, account, touchpoint, channel))

    def flush_requests(self, day: int, tiers: bytearray, regions: bytearray) -> None:
        rows, stamp, answer = self.request_sink.rows, self.clock.stamp, self.answer
        random_, rates, labels = self.rng.random, self.rates, self.labels
        new_key, accounts = self.new_key, self.account_keys
        parts = self.clock.day_parts(day)
        for sent, account, touchpoint, channel in self.requests.pop(day):
            key = new_key()
            answered = random_() < rates[touchpoint][channel]
            if answered and not answer(
                sent,
                key,
                account,
                touchpoint,
                channel,
                tiers[account],
                REGION_GERMAN_SHARE[regions[account]],
            ):
                continue
            source, channel_name = labels[touchpoint][channel]
            sent_text = parts[0] + parts[2][sent - parts[1]] if parts else stamp(sent)
            rows.append((key, accounts[account], source, channel_name, sent_text))
        self.request_sink.flush()


def build_shop(connection: sqlite3.Connection, options: DemoOptions) -> None:
    ShopBuilder(connection, options).build()


def build_saas(connection: sqlite3.Connection, options: DemoOptions) -> None:
    SaasBuilder(connection, options).build()


SCHEMAS = {"demo_shop": SHOP_SCHEMA, "demo_saas": SAAS_SCHEMA}
BUILDERS: dict[str, Callable[[sqlite3.Connection, DemoOptions], None]] = {
    "demo_shop": build_shop,
    "demo_saas": build_saas,
}
