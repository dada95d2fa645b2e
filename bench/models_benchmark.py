"""Benchmark: the dbt models on a small and a large warehouse, against a plain DuckDB query.

Fills two fresh DuckDB warehouses with synthetic raw portal data in the
canonical shape (text values, about 3.3 invitations per response, a small share
of defects), builds the dbt models on each in two steps, and in the same run
times a plain ``group by`` month x segment over the large warehouse's responses
(the median of five runs). The first step builds the NPS models (staging, the
validated responses, the response and invitation facts, the quarantine, the
daily counts, nps_by_period and nps_rolling: everything upstream of the NPS
marts); the second step builds the rest of the project on top of them (comment
themes, the follow-up queue, repeat respondents, the semantic layer's time
spine). It prints seconds and peak memory of every step, and the ratio of the
marginal cost (large minus small) to the plain query, for the NPS models and
for the whole project (both steps). Two floors follow: one query from the raw
tables straight to daily counts per segment that stores nothing (what the
computation costs at the least), and a plain copy of the large build's biggest
tables (what storing rows of that shape costs by itself).

Usage: ``python bench/models_benchmark.py [--small 10000] [--large 10000000]``
(``make bench-models``). Each step runs in its own process, so its peak memory
(max RSS) is its own.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# One SQL script fills the raw layer; {responses} is the number of responses.
# Values are text, as the ingest writes them. The shape follows the demo portals
# (orchestration/demo/DEFECTS.md): about 3.3 invitations per response, 45 %
# promoters, 30 % passives and 25 % detractors, a comment on 40 % of the
# responses, 2 % edited later, a follow-up case for 90 % of the detractors, and
# the same kinds of defects (missing and broken scores, unknown invitations,
# duplicate submissions, test accounts).
FILL_RAW_SQL = """
create schema raw;
create table raw.portals as
select * from (values
    ('bench_shop', 'benchmark shop', 'Europe/Berlin'),
    ('bench_saas', 'benchmark SaaS', 'UTC')
) as portals (portal, description, source_timezone);

create table raw.customers as
select
    case when i % 2 = 0 then 'bench_shop' else 'bench_saas' end as portal,
    cast(i as varchar) as customer_id,
    ['consumer', 'business', 'smb', 'enterprise'][1 + i % 4] as customer_segment,
    ['basic', 'plus', 'premium'][1 + i % 3] as plan,
    ['DE-North', 'DE-South', 'AT', 'CH', 'EMEA'][1 + i % 5] as region,
    '2024-01-01 00:00:00' as signed_up_at,
    case when i % 97 = 0 then '1' else '0' end as is_test_account,
    timestamp '2026-12-01' as _extracted_at
from range({customers}) as t (i);

create table raw.survey_invitations as
select
    case when c % 2 = 0 then 'bench_shop' else 'bench_saas' end as portal,
    cast(i as varchar) as invitation_id,
    cast(c as varchar) as customer_id,
    ['checkout', 'delivery'][1 + i % 2] as touchpoint,
    ['email', 'onsite'][1 + (i // 2) % 2] as channel,
    strftime(timestamp '2025-12-01' + to_seconds(hash(i) % 31536000), '%Y-%m-%d %H:%M:%S')
        as sent_at,
    timestamp '2026-12-01' as _extracted_at
from (select i, hash(i * 7) % {customers} as c from range({invitations}) as t (i));

create table raw.survey_responses as
select
    invitations.portal,
    cast(r.i as varchar) as response_id,
    case when r.i % 211 = 0 then 'missing' else invitations.invitation_id end
        as invitation_id,
    invitations.customer_id,
    case
        when r.i % 101 = 0 then null
        when r.i % 199 = 0 then '7.5'
        when r.i % 307 = 0 then '11'
        else cast(r.score as varchar)
    end as score,
    -- Comments are mostly unique, as real ones are: a sentence that fits the
    -- score, and on every second one an order or ticket number.
    case
        when hash(r.i * 5) % 10 >= 4 then null
        else concat_ws(' ',
            case
                when r.score <= 6 then [
                    'Lieferung hat viel zu lange gedauert, drei Wochen gewartet.',
                    'The app is confusing and I could not find the export.',
                    'Viel zu teuer für das, was man bekommt.',
                    'Support never answered my ticket.',
                    'Paket kam beschädigt an, die Qualität ist enttäuschend.'
                ][1 + cast(hash(r.i * 11) % 5 as bigint)]
                when r.score <= 8 then [
                    'Okay, but shipping could be faster.',
                    'Ganz gut, der Preis ist etwas hoch.',
                    'Works, though the dashboard is slow at times.'
                ][1 + cast(hash(r.i * 11) % 3 as bigint)]
                else [
                    'Schnelle Lieferung, alles bestens!',
                    'Great product, easy to use.',
                    'Super Service, sehr freundlich.',
                    'Love it'
                ][1 + cast(hash(r.i * 11) % 4 as bigint)]
            end,
            case when r.i % 2 = 0 then 'Order SO-' || (1000000 + r.i) end
        )
    end as comment,
    strftime(times.responded, '%Y-%m-%d %H:%M:%S') as responded_at,
    strftime(
        case when r.i % 50 = 0 then times.responded + interval 3 day else times.responded end,
        '%Y-%m-%d %H:%M:%S'
    ) as updated_at,
    timestamp '2026-12-01' as _extracted_at
from (
    select
        i,
        -- 25 % detractors, 30 % passives, 45 % promoters.
        case
            when hash(i) % 100 < 2 then 0
            when hash(i) % 100 < 4 then 2
            when hash(i) % 100 < 7 then 4
            when hash(i) % 100 < 13 then 5
            when hash(i) % 100 < 25 then 6
            when hash(i) % 100 < 38 then 7
            when hash(i) % 100 < 55 then 8
            when hash(i) % 100 < 75 then 9
            else 10
        end as score,
        -- Every 67th response answers the previous one's invitation again.
        case when i % 67 = 66 then i - 1 else i end * 10 // 3 as invitation_number
    from range({responses}) as t (i)
) as r
inner join raw.survey_invitations as invitations
    on invitations.invitation_id = cast(r.invitation_number as varchar)
cross join lateral (
    select cast(invitations.sent_at as timestamp) + to_seconds(hash(r.i) % 86400) as responded
) as times;

create table raw.detractor_followups as
select
    portal,
    'case-' || response_id as followup_id,
    response_id,
    ['resolved', 'resolved', 'resolved', 'contacted', 'open'][
        1 + cast(hash(response_id) % 5 as bigint)
    ] as status,
    responded_at as created_at,
    updated_at,
    timestamp '2026-12-01' as _extracted_at
from raw.survey_responses
where try_cast(score as integer) <= 6 and hash(response_id || 'case') % 10 < 9;
"""

PLAIN_QUERY = """
select
    date_trunc('month', try_cast(responded_at as timestamp)) as month,
    customers.customer_segment,
    count(*) as count_responses,
    count(*) filter (where try_cast(score as integer) >= 9) as count_promoters,
    count(*) filter (where try_cast(score as integer) <= 6) as count_detractors
from raw.survey_responses as responses
left join raw.customers as customers
    on responses.portal = customers.portal and responses.customer_id = customers.customer_id
group by all
"""

# A floor for the computation itself: one query from the raw tables straight
# to what nps_by_period is built from (responses, promoters, detractors and
# invitations per reporting day x portal x touchpoint x channel x segment x
# region), storing nothing. It does only what every correct build must do at
# the least: parse the scores and times of all responses and invitations, join
# the responses to their invitations and both to the customers, leave out test
# accounts and invalid scores, draw the day in the reporting zone through an
# hourly offset table (as the models do) and count. It skips the rest: keeping
# one row per invitation id and per response id, one response per invitation,
# reading the portals' local times as UTC, a reason for every row left out,
# and storing the facts. Any build that computes these figures correctly has
# at least this work to do.
SINGLE_PASS_QUERY = """
with

reporting_offsets as (
    select
        hour_start,
        epoch(cast(timezone('Europe/Berlin', cast(hour_start as timestamptz)) as timestamp))
            - epoch(hour_start) as offset_seconds
    from range(timestamp '2015-01-01', timestamp '2036-01-01', interval 1 hour)
        as hours (hour_start)
),

responses as (
    select
        portal,
        invitation_id,
        try_cast(score as integer) as score,
        try_cast(responded_at as timestamp) as responded_at
    from raw.survey_responses
),

invitations as (
    select
        portal,
        invitation_id,
        customer_id,
        touchpoint,
        channel,
        try_cast(sent_at as timestamp) as sent_at
    from raw.survey_invitations
),

customers as (
    select portal, customer_id, customer_segment, region, is_test_account = '1' as is_test_account
    from raw.customers
),

counted_responses as (
    select
        responses.score,
        responses.responded_at,
        invitations.touchpoint,
        invitations.channel,
        customers.portal,
        customers.customer_segment,
        customers.region
    from responses
    inner join invitations
        on responses.portal = invitations.portal
        and responses.invitation_id = invitations.invitation_id
    inner join customers
        on invitations.portal = customers.portal
        and invitations.customer_id = customers.customer_id
    where not customers.is_test_account
        and responses.score between 0 and 10
        and responses.responded_at is not null
),

daily_responses as (
    select
        portal, touchpoint, channel, customer_segment, region,
        cast(responded_at + to_seconds(offset_seconds) as date) as reporting_day,
        count(*) as count_responses,
        count(*) filter (where score >= 9) as count_promoters,
        count(*) filter (where score <= 6) as count_detractors
    from counted_responses
    left join reporting_offsets
        on reporting_offsets.hour_start = date_trunc('hour', counted_responses.responded_at)
    group by all
),

daily_invitations as (
    select
        invitations.portal, touchpoint, channel, customer_segment, region,
        cast(sent_at + to_seconds(offset_seconds) as date) as reporting_day,
        count(*) as count_invitations
    from invitations
    left join customers
        on invitations.portal = customers.portal
        and invitations.customer_id = customers.customer_id
    left join reporting_offsets
        on reporting_offsets.hour_start = date_trunc('hour', invitations.sent_at)
    group by all
)

select *
from daily_invitations
full join daily_responses
    using (portal, touchpoint, channel, customer_segment, region, reporting_day)
"""

# DuckDB's memory cap in the dbt profile (profiles.yml reads the same variable
# with the same default).
MODELS_MEMORY_LIMIT = os.environ.get("NPS_DUCKDB_MEMORY_LIMIT", "1GB")
# The dbt profile's DuckDB settings, for the floors to run under the same ones.
MODELS_SETTINGS = (
    f"set memory_limit = '{MODELS_MEMORY_LIMIT}'; set preserve_insertion_order = false"
)

# Runs a query a number of times in one read-only connection and writes the
# seconds of each run as JSON; argv: warehouse path, query, runs, output path,
# settings (SQL run first; may be empty).
QUERY_TIMING_SCRIPT = """
import json, sys, time
import duckdb
path, query, runs, output, settings = sys.argv[1:6]
connection = duckdb.connect(path, read_only=True)
if settings:
    connection.execute(settings)
seconds = []
for _ in range(int(runs)):
    started = time.perf_counter()
    connection.execute(query).fetchall()
    seconds.append(time.perf_counter() - started)
open(output, "w").write(json.dumps(seconds))
"""


# Copies the biggest tables of a built warehouse and writes the seconds of each
# copy as JSON; argv: warehouse path, output path, settings (SQL run first).
COPY_TABLES_SCRIPT = """
import json, sys, time
import duckdb
tables = [
    "intermediate.int_survey_responses_validated",
    "marts.fct_survey_responses",
    "marts.fct_survey_invitations",
]
connection = duckdb.connect(sys.argv[1])
connection.execute(sys.argv[3])
seconds = {}
for table in tables:
    started = time.perf_counter()
    connection.execute(f"create table bench_copy as select * from {table}")
    seconds[table] = time.perf_counter() - started
    connection.execute("drop table bench_copy")
open(sys.argv[2], "w").write(json.dumps(seconds))
"""


def run_step(arguments: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Runs one step in its own process; returns (seconds, peak memory in MB)."""
    wrapped = [
        sys.executable,
        "-c",
        "import resource, subprocess, sys, json;"
        "code = subprocess.run(sys.argv[1:]).returncode;"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(json.dumps({'peak_kb': peak}), file=sys.stderr);"
        "sys.exit(code)",
        *arguments,
    ]
    started = time.perf_counter()
    completed = subprocess.run(wrapped, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"step failed: {' '.join(arguments)}\n{completed.stdout[-4000:]}")
    peak_kb = json.loads(completed.stderr.strip().splitlines()[-1])["peak_kb"]
    return seconds, peak_kb / 1024


def time_query(
    folder: Path, label: str, query: str, runs: int, settings: str = ""
) -> tuple[list[float], float]:
    """Runs ``query`` ``runs`` times on the ``label`` warehouse in ``folder``, in
    a process of its own, after the SQL ``settings``; returns the seconds of
    each run and the peak memory."""
    seconds_file = folder / "query_seconds.json"
    _, peak = run_step(
        [sys.executable, "-c", QUERY_TIMING_SCRIPT, str(folder / f"{label}.duckdb"), query,
         str(runs), str(seconds_file), settings],
        dict(os.environ),
    )  # fmt: skip
    return json.loads(seconds_file.read_text()), peak


def slowest_models(run_results: Path, count: int = 6) -> list[tuple[float, str]]:
    results = json.loads(run_results.read_text())["results"]
    timings = [(result["execution_time"], result["unique_id"]) for result in results]
    return sorted(timings, reverse=True)[:count]


def fill_warehouse(path: Path, responses: int) -> None:
    import duckdb

    from orchestration.resources import create_warehouse_file

    script = FILL_RAW_SQL.format(
        responses=responses,
        invitations=int(responses * 10 / 3) + 10,
        customers=max(100, responses // 4),
    )
    # The same storage format as the pipeline's own warehouse.
    create_warehouse_file(path)
    with duckdb.connect(str(path)) as connection:
        connection.execute(script)
        (loaded,) = connection.execute("select count(*) from raw.survey_responses").fetchone()
    if loaded != responses:
        raise SystemExit(f"expected {responses} responses in the synthetic data, got {loaded}")


# The NPS models: the three NPS marts and everything upstream of them.
NPS_MODELS = ["+nps_by_period", "+nps_rolling", "+quarantined_survey_responses"]


def dbt_command(
    path: Path, target_dir: Path, selection: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The dbt command that builds the seeds and models that ``selection`` (dbt's
    ``--select`` or ``--exclude`` arguments) names, without data tests."""
    dbt = Path(sys.executable).parent / "dbt"
    environment = {
        **os.environ,
        "NPS_WAREHOUSE_PATH": str(path),
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(target_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    arguments = [
        str(dbt), "build", "--resource-type", "seed", "--resource-type", "model",
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--project-dir", str(DBT_PROJECT_DIR), "--quiet", *selection,
    ]  # fmt: skip
    return arguments, environment


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nps-bench-") as folder:
        folder = Path(folder)
        results, slowest = {}, {}
        for label, responses in (("small", options.small), ("large", options.large)):
            warehouse = folder / f"{label}.duckdb"
            started = time.perf_counter()
            fill_warehouse(warehouse, responses)
            print(
                f"filled {label} warehouse: {responses:,} responses "
                f"in {time.perf_counter() - started:.1f} s"
            )
            # Each step in its own process; the second builds on the first's tables.
            for step, selection in (("nps", ["--select", *NPS_MODELS]),
                                    ("rest", ["--exclude", *NPS_MODELS])):  # fmt: skip
                target = folder / f"target-{label}-{step}"
                arguments, environment = dbt_command(warehouse, target, selection)
                results[label, step] = run_step(arguments, environment)
                slowest[label, step] = slowest_models(target / "run_results.json")

        # The queries are timed inside their own process, so interpreter
        # start-up does not flatter the ratio. The plain query takes a second
        # or two, so a moment of load from other jobs on a shared machine moves
        # it by half: it runs five times and the median counts.
        plain_runs, plain_peak = time_query(folder, "large", PLAIN_QUERY, runs=5)
        plain = (statistics.median(plain_runs), plain_peak)
        # The single pass runs under the models' memory cap, read as the dbt
        # profile reads it, spilling to disk beyond it.
        single_pass_settings = f"{MODELS_SETTINGS}; set temp_directory = '{folder / 'spill'}'"
        single_pass = {
            label: time_query(folder, label, SINGLE_PASS_QUERY, 3, single_pass_settings)
            for label in ("small", "large")
        }

        # What storing the large build's biggest tables costs on its own: a
        # copy of each, timed inside one process. This is the floor that any
        # model producing tables of that shape cannot go below.
        copy_seconds_file = folder / "copy_seconds.json"
        run_step(
            [sys.executable, "-c", COPY_TABLES_SCRIPT, str(folder / "large.duckdb"),
             str(copy_seconds_file), MODELS_SETTINGS],
            dict(os.environ),
        )  # fmt: skip
        copy_seconds = json.loads(copy_seconds_file.read_text())

    plain_seconds, plain_peak = plain
    rows = {
        "nps": "NPS models",
        "rest": "rest of the project",
    }
    print()
    print(f"{'step':<52} {'seconds':>9} {'peak MB':>9}")
    for label, responses in (("small", options.small), ("large", options.large)):
        for step, name in rows.items():
            seconds, peak = results[label, step]
            print(f"{f'{name}, {responses:,} responses':<52} {seconds:>9.2f} {peak:>9.0f}")
    print(
        f"{'plain group by month x segment (large), median':<52} {plain_seconds:>9.2f} "
        f"{plain_peak:>9.0f}"
    )
    print(f"  its {len(plain_runs)} runs: " + ", ".join(f"{run:.2f}" for run in plain_runs) + " s")

    def whole(label: str) -> tuple[float, float]:
        return (
            sum(results[label, step][0] for step in rows),
            max(results[label, step][1] for step in rows),
        )

    nps_marginal = results["large", "nps"][0] - results["small", "nps"][0]
    whole_marginal = whole("large")[0] - whole("small")[0]
    print()
    print(f"NPS models: marginal cost (large - small) {nps_marginal:.2f} s, "
          f"{nps_marginal / plain_seconds:.1f} x the plain query, "
          f"peak {results['large', 'nps'][1]:.0f} MB")  # fmt: skip
    print(f"whole project (both steps): large {whole('large')[0]:.2f} s, "
          f"marginal cost {whole_marginal:.2f} s, "
          f"{whole_marginal / plain_seconds:.1f} x the plain query, "
          f"peak {whole('large')[1]:.0f} MB")  # fmt: skip
    single_pass_seconds = {
        label: statistics.median(runs) for label, (runs, _) in single_pass.items()
    }
    single_pass_marginal = single_pass_seconds["large"] - single_pass_seconds["small"]
    print()
    print(f"one query from raw to daily counts, storing nothing, under a "
          f"{MODELS_MEMORY_LIMIT} cap "
          f"(a floor for the computation): "
          f"large {single_pass_seconds['large']:.2f} s (median of "
          f"{len(single_pass['large'][0])}), marginal cost {single_pass_marginal:.2f} s, "
          f"{single_pass_marginal / plain_seconds:.1f} x the plain query, "
          f"peak {single_pass['large'][1]:.0f} MB")  # fmt: skip
    print()
    print("writing the large build's biggest tables again (a plain copy of each):")
    for table, seconds in copy_seconds.items():
        print(f"  {seconds:>8.2f} s  {table}  ({seconds / plain_seconds:.1f} x the plain query)")
    total_copy = sum(copy_seconds.values())
    print(f"  {total_copy:>8.2f} s  together ({total_copy / plain_seconds:.1f} x the plain query)")
    print()
    for step, name in rows.items():
        print(f"slowest models of the large build, {name}:")
        for seconds, model in slowest["large", step]:
            print(f"  {seconds:>8.2f} s  {model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
