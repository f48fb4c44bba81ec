"""The Dagster UI in headless Chromium: the asset graph, one partition materialized from the
UI with its blocking checks, a partition stale after a contract change until it is
re-migrated. Screenshots go to `test-artifacts/`."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import Page, sync_playwright

from xml_migration.bench.remigration import write_changed_contract
from xml_migration.defs.benchmarks import batch_size_sweep
from xml_migration.defs.checks import migration_integrity
from xml_migration.defs.migration import migrated_applications, versioned_by_contract
from xml_migration.defs.resources import ContractResource
from xml_migration.defs.source import mock_source_documents
from xml_migration.defs.target import target_schema
from xml_migration_tests.defs.conftest import TEST_WIDTH, resources_for

pytestmark = [pytest.mark.dagster, pytest.mark.browser, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = REPOSITORY / "test-artifacts"
DAGSTER = Path(sys.executable).with_name("dagster")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PARTITION = "0000000000-0000000999"
SERVER_START_SECONDS = 180
RUN_SECONDS = 420


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def default_signals() -> None:
    """Let the server stop on SIGTERM even when this process was started ignoring it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and every process it started (its own session), by its pid."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            time.sleep(1)
            os.killpg(process.pid, 0)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            continue


@contextmanager
def dagster_dev(home: Path, env: dict[str, str]) -> Iterator[str]:
    """`dagster dev` (webserver and daemon) on 127.0.0.1 and a free port; its base URL."""
    url = f"http://127.0.0.1:{free_port()}"
    port = url.rsplit(":", 1)[1]
    workspace = str(REPOSITORY / "workspace.yaml")
    with (home / "dagster-dev.log").open("wb") as log:
        process = subprocess.Popen(
            [str(DAGSTER), "dev", "-h", "127.0.0.1", "-p", port, "-w", workspace],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=default_signals,
        )
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                assert process.poll() is None, (home / "dagster-dev.log").read_text()[-3000:]
                try:
                    with urllib.request.urlopen(f"{url}/server_info", timeout=5):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "dagster dev did not start"
                    time.sleep(1)
            yield url
        finally:
            stop_group(process)


def prepared_home(tmp_path: Path, database_url: str) -> tuple[Path, dict[str, str]]:
    """A DAGSTER_HOME with the project's dagster.yaml, mock documents and their partition."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "XML_MIGRATION_DB_URL": database_url,
        "XML_MIGRATION_WORKERS": "2",
        "XML_MIGRATION_PARTITION_WIDTH": str(TEST_WIDTH),
    }
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.materialize(
            [mock_source_documents, target_schema],
            resources=resources_for(database_url),
            instance=instance,
            run_config={"ops": {"mock_source_documents": {"config": {"count": 400}}}},
        )
        assert result.success
        assert instance.get_dynamic_partitions("app_id_ranges") == [PARTITION]
    return home, env


def dismiss_welcome(page: Page) -> None:
    """Close the community dialog the UI shows on a fresh instance, if it shows it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.click(timeout=5_000)
    except Exception:
        return


def show_migration_lineage(page: Page, url: str) -> None:
    """The migration asset with the assets it depends on, as a graph."""
    page.goto(f"{url}/assets/migrated_applications?view=lineage&lineageScope=upstream")
    for name in ("mock_source_documents", "target_schema", "migrated_applications"):
        page.get_by_text(name).first.wait_for()
    page.get_by_text("Loading...").first.wait_for(state="hidden")


def launch_partition_from_asset_page(page: Page, url: str) -> None:
    page.goto(f"{url}/assets/migrated_applications")
    dismiss_welcome(page)
    page.get_by_role("button", name="Materialize").first.click()
    page.get_by_text("Select a partition or create one").click()
    page.get_by_text(PARTITION).filter(visible=True).first.click()
    page.get_by_text("Launch runs to materialize migrated_applications").click()
    page.get_by_placeholder("Filter partitions").wait_for(state="hidden")
    page.screenshot(path=ARTIFACTS / "ui-3-launch-partition.png")
    page.get_by_role("button", name="Launch 1 run").click()


def finished_run(home: Path) -> dg.DagsterRun:
    """Wait for the migration run launched from the UI to finish; return it."""
    deadline = time.monotonic() + RUN_SECONDS
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while time.monotonic() < deadline:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": PARTITION}))
            if runs and runs[0].is_finished:
                return runs[0]
            time.sleep(2)
    raise AssertionError("the run launched from the UI did not finish in time")


def check_evaluations(home: Path, run_id: str) -> list[dg.AssetCheckEvaluation]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            entry.dagster_event.event_specific_data
            for entry in instance.all_logs(run_id)
            if entry.dagster_event
            and entry.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        ]


def test_asset_graph_and_a_partition_materialized_from_the_ui(
    sqlite_url: str, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    home, env = prepared_home(tmp_path, sqlite_url)
    with dagster_dev(home, env) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(60_000)

        page.goto(f"{url}/asset-groups")
        dismiss_welcome(page)
        for group in ("source", "target", "migration", "benchmarks"):
            page.get_by_text(group).first.wait_for()
        page.screenshot(path=ARTIFACTS / "ui-1-asset-graph.png")
        show_migration_lineage(page, url)
        page.screenshot(path=ARTIFACTS / "ui-2-migration-lineage.png")

        launch_partition_from_asset_page(page, url)
        run = finished_run(home)
        assert run.status == dg.DagsterRunStatus.SUCCESS, (home / "dagster-dev.log").read_text()[
            -3000:
        ]
        assert run.tags["dagster/from_ui"] == "true"
        evaluations = check_evaluations(home, run.run_id)
        assert {e.check_name for e in evaluations} == {
            "no_lost_records",
            "no_duplicates",
            "reconciliation",
            "current_contract",
        }
        assert all(e.passed for e in evaluations)

        page.goto(f"{url}/runs/{run.run_id}")
        page.get_by_text("Success").first.wait_for()
        page.screenshot(path=ARTIFACTS / "ui-4-run-succeeded.png")

        page.goto(f"{url}/assets/migrated_applications?view=checks")
        page.get_by_text("reconciliation").first.wait_for()
        page.get_by_text("Passed").first.wait_for()
        page.screenshot(path=ARTIFACTS / "ui-5-checks-passed.png")

        page.goto(f"{url}/assets/migrated_applications?view=overview")
        page.get_by_text("records_per_minute").first.wait_for()
        page.screenshot(path=ARTIFACTS / "ui-6-materialization.png", full_page=True)

        show_migration_lineage(page, url)
        page.get_by_text("4 / 4 Passed").first.wait_for()
        page.screenshot(path=ARTIFACTS / "ui-7-migration-lineage-after.png")
        browser.close()


def materialize_with_contract(
    home: Path, database_url: str, contract: ContractResource
) -> dg.ExecuteInProcessResult:
    """Materialize the partition with `contract` (its fingerprint as code version)."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.materialize(
            [versioned_by_contract(migrated_applications, contract), migration_integrity],
            partition_key=PARTITION,
            resources={**resources_for(database_url), "contract": contract},
            instance=instance,
        )
    assert result.success
    return result


def partition_staleness(url: str) -> tuple[str, list[str]]:
    """The stale status and causes the webserver reports for the partition (GraphQL)."""
    query = (
        '{ assetNodes(assetKeys: [{path: ["migrated_applications"]}]) { '
        f'staleStatus(partition: "{PARTITION}") '
        f'staleCauses(partition: "{PARTITION}") {{ reason }} }} }}'
    )
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        (node,) = json.load(response)["data"]["assetNodes"]
    return node["staleStatus"], [cause["reason"] for cause in node["staleCauses"]]


def show_partition(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/assets/migrated_applications?view=partitions")
    dismiss_welcome(page)
    page.get_by_text(PARTITION).first.click()
    page.get_by_text("records_per_minute").first.wait_for()
    page.screenshot(path=ARTIFACTS / name)


def test_a_contract_change_shows_the_partition_stale_until_remigrated(
    sqlite_url: str, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    home, env = prepared_home(tmp_path, sqlite_url)
    materialize_with_contract(home, sqlite_url, ContractResource())
    v2 = ContractResource(path=write_changed_contract(tmp_path))
    env = {**env, "XML_MIGRATION_CONTRACT": str(v2.path)}
    with dagster_dev(home, env) as url, sync_playwright() as playwright:
        status, causes = partition_staleness(url)
        assert status == "STALE"
        assert any("code version" in cause for cause in causes), causes
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(60_000)
        show_partition(page, url, "ui-stale-1-before-remigration.png")
        page.get_by_text("Unsynced").first.wait_for()

        result = materialize_with_contract(home, sqlite_url, v2)
        (materialization,) = result.asset_materializations_for_node("migrated_applications")
        assert materialization.metadata["documents"].value == 400
        assert partition_staleness(url) == ("FRESH", [])
        show_partition(page, url, "ui-stale-2-after-remigration.png")
        assert page.get_by_text("Unsynced").count() == 0


def test_the_sweep_materialization_shows_its_chart(sqlite_url: str, tmp_path: Path) -> None:
    """After a sweep, its asset page displays the chart of records/minute against batch
    size (Markdown metadata opens in a dialog); the screenshot stays in the test's
    temporary folder. Started from `DAGSTER_HOME` as the README says, the server does not
    warn about the repository's copy of dagster.yaml."""
    home, env = prepared_home(tmp_path, sqlite_url)
    config = {
        "batch_sizes": [20, 200],
        "repeats": 1,
        "workers": 1,
        "sample_documents": 100,
        "output_dir": str(tmp_path / "metrics"),
    }
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert dg.materialize(
            [batch_size_sweep],
            resources=resources_for(sqlite_url),
            instance=instance,
            run_config={"ops": {"measure_batch_sizes": {"config": config}}},
        ).success
    with dagster_dev(home, env) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/assets/batch_size_sweep")
        dismiss_welcome(page)
        page.keyboard.press("Escape")
        page.get_by_role("row").filter(has_text="chart").get_by_text("[Show Markdown]").click()
        chart = page.locator('img[alt^="Records/minute (y) against batch size"]')
        chart.first.wait_for(state="visible")
        width = chart.first.evaluate("image => image.complete ? image.naturalWidth : 0")
        assert width > 300
        page.get_by_role("button", name="Close").wait_for(state="visible")
        page.wait_for_timeout(1_000)
        screenshot = tmp_path / "sweep-chart.png"
        page.screenshot(path=screenshot)
        assert screenshot.stat().st_size > 0
        browser.close()
    log = (home / "dagster-dev.log").read_text(errors="replace")
    assert "Found a dagster instance configuration value" not in log
